//! A fresh PostgreSQL database per test, dropped afterwards.

use anyhow::{Context, Result};
use sea_orm::{ConnectionTrait, Database};

pub struct ScratchDatabase {
    admin_url: String,
    name: String,
    pub url: String,
}

impl ScratchDatabase {
    pub async fn create(admin_url: &str) -> Result<ScratchDatabase> {
        let name = format!("emss_t_{}", uuid::Uuid::new_v4().simple());
        let admin = Database::connect(admin_url)
            .await
            .with_context(|| format!("connecting to TEST_DATABASE_URL {admin_url}"))?;
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await?;
        admin.close().await?;
        let mut url = url::Url::parse(admin_url)?;
        url.set_path(&format!("/{name}"));
        Ok(ScratchDatabase {
            admin_url: admin_url.to_string(),
            url: url.to_string(),
            name,
        })
    }

    /// Drops the database from a thread of its own: this runs in `Drop`, maybe inside a runtime.
    pub fn drop_blocking(self) {
        let handle = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async {
                if let Ok(admin) = Database::connect(&self.admin_url).await {
                    let _ = admin
                        .execute_unprepared(&format!(
                            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                            self.name
                        ))
                        .await;
                    let _ = admin.close().await;
                }
            });
        });
        let _ = handle.join();
    }
}
