//! What `emss serve` prints when it is ready: where to open it and, with demo data, how to log in.

use crate::config::Config;
use emss_app::bootstrap::FirstAdmin;
use emss_app::demo::DemoLogin;
use emss_db::Backend;
use std::net::SocketAddr;

pub fn print(
    config: &Config,
    local: SocketAddr,
    backend: Backend,
    demo: Option<&(Vec<DemoLogin>, String)>,
    first_admins: &[FirstAdmin],
) {
    let host = if local.ip().is_unspecified() {
        SocketAddr::new([127, 0, 0, 1].into(), local.port())
    } else {
        local
    };
    println!();
    println!("  上海市环境监测社会化服务监管系统 EMSS 已启动");
    println!("  电脑版  http://{host}/");
    println!("  手机版  http://{host}/m/");
    println!(
        "  数据库  {}（{}）",
        backend.name(),
        emss_db::connect::redact_url(&config.database_url())
    );
    println!("  数据目录 {}", config.data_dir.display());
    if let Some((logins, password)) = demo {
        println!();
        println!("  演示账户（密码均为 {password}）：");
        let width = logins.iter().map(|l| l.username.len()).max().unwrap_or(0);
        for l in logins {
            println!(
                "    {:width$}  {}  {}  {}",
                l.username, l.name, l.roles, l.org_name
            );
        }
    }
    if !first_admins.is_empty() {
        println!();
        println!(
            "  首次启动：已创建三员管理账户。以下一次性密码只显示这一次，72 小时内有效，首次登录须修改："
        );
        for a in first_admins {
            println!(
                "    {:10}  {}  {}",
                a.username,
                a.role.label(),
                a.one_time_password
            );
        }
    }
    println!();
}
