//! The menus, as data. An entry points at a route id; it is shown only when that route exists and
//! the user holds its permission, so a role sees exactly its own menus and never a dead link.
//! Wording follows the current system (screens.md).

use crate::routes;
use emss_domain::{Actor, Permission};

pub struct Section {
    /// The top navigation label.
    pub title: &'static str,
    pub groups: &'static [Group],
}

/// A heading of the left menu with its entries (`title` None: entries without a heading).
pub struct Group {
    pub title: Option<&'static str>,
    pub items: &'static [Item],
}

pub struct Item {
    pub title: &'static str,
    pub route: &'static str,
}

/// The desktop portal, in top-navigation order. "首页" and "安全退出" frame it in the layout.
pub const PORTAL: &[Section] = &[
    Section {
        title: "系统管理",
        groups: &[Group {
            title: None,
            items: &[
                Item {
                    title: "账户管理",
                    route: "page.accounts",
                },
                Item {
                    title: "企业导入",
                    route: "page.enterprises.import_form",
                },
                Item {
                    title: "我的账户",
                    route: "page.account",
                },
                Item {
                    title: "修改密码",
                    route: "page.account.password",
                },
            ],
        }],
    },
    Section {
        title: "审计管理",
        groups: &[Group {
            title: None,
            items: &[
                Item {
                    title: "审计日志",
                    route: "page.audit",
                },
                Item {
                    title: "日志完整性",
                    route: "page.audit.integrity",
                },
            ],
        }],
    },
    Section {
        title: "安全管理",
        groups: &[Group {
            title: None,
            items: &[Item {
                title: "安全策略",
                route: "page.security",
            }],
        }],
    },
    Section {
        title: "备案管理",
        groups: &[Group {
            title: None,
            items: &[
                Item {
                    title: "本机构备案",
                    route: "page.filing",
                },
                Item {
                    title: "人员管理",
                    route: "page.filing.staff",
                },
                Item {
                    title: "设备管理",
                    route: "page.filing.equipment",
                },
                Item {
                    title: "备品备件",
                    route: "page.filing.spare_parts",
                },
                Item {
                    title: "标准物质",
                    route: "page.filing.standard_materials",
                },
                Item {
                    title: "机构查询",
                    route: "page.agencies",
                },
                Item {
                    title: "变更审核",
                    route: "page.change_requests",
                },
            ],
        }],
    },
    Section {
        title: "任务管理",
        groups: &[
            Group {
                title: Some("合同管理"),
                items: &[
                    Item {
                        title: "合同信息",
                        route: "page.contracts",
                    },
                    Item {
                        title: "新增合同",
                        route: "page.contracts.new",
                    },
                ],
            },
            Group {
                title: Some("运维任务管理"),
                items: &[
                    Item {
                        title: "运维任务申请",
                        route: "page.tasks.new",
                    },
                    Item {
                        title: "运维任务",
                        route: "page.tasks",
                    },
                    Item {
                        title: "运维管理",
                        route: "page.tasks.maintenance",
                    },
                    Item {
                        title: "运维记录",
                        route: "page.records",
                    },
                    Item {
                        title: "失控与不合格",
                        route: "page.fault_periods",
                    },
                ],
            },
            Group {
                title: Some("整改单管理"),
                items: &[
                    Item {
                        title: "整改单",
                        route: "page.rectifications",
                    },
                    Item {
                        title: "新增整改单",
                        route: "page.rectifications.new",
                    },
                    Item {
                        title: "整改建议",
                        route: "page.rectifications.suggestions",
                    },
                ],
            },
            Group {
                title: Some("监督检查"),
                items: &[
                    Item {
                        title: "监督检查",
                        route: "page.inspections",
                    },
                    Item {
                        title: "登记监督检查",
                        route: "page.inspections.new",
                    },
                ],
            },
        ],
    },
    Section {
        title: "信用管理",
        groups: &[Group {
            title: None,
            items: &[
                Item {
                    title: "信用评价",
                    route: "page.credit.ratings",
                },
                Item {
                    title: "异议处理",
                    route: "page.credit.objections",
                },
                Item {
                    title: "业务实施动态",
                    route: "page.credit.activity",
                },
                Item {
                    title: "评价指标体系",
                    route: "page.credit.systems",
                },
            ],
        }],
    },
    Section {
        title: "综合查询",
        groups: &[Group {
            title: None,
            items: &[Item {
                title: "统计查询",
                route: "page.statistics",
            }],
        }],
    },
    Section {
        title: "排口管理",
        groups: &[Group {
            title: None,
            items: &[
                Item {
                    title: "排口列表",
                    route: "page.outlets",
                },
                Item {
                    title: "新增排口",
                    route: "page.outlets.new",
                },
                Item {
                    title: "导入排口及仪器",
                    route: "page.outlets.import_form",
                },
            ],
        }],
    },
    Section {
        title: "表单管理",
        groups: &[Group {
            title: None,
            items: &[Item {
                title: "表单目录",
                route: "page.catalogue",
            }],
        }],
    },
    Section {
        title: "帮助中心",
        groups: &[Group {
            title: None,
            items: &[
                Item {
                    title: "联系我们",
                    route: "page.help",
                },
                Item {
                    title: "接口说明",
                    route: "page.help.api",
                },
                Item {
                    title: "界面规范",
                    route: "page.help.ui",
                },
            ],
        }],
    },
];

/// The tiles of the mobile home page (业务管理), in order.
pub const MOBILE: &[Item] = &[
    Item {
        title: "污染源运维",
        route: "h5.field",
    },
    Item {
        title: "运维记录确认",
        route: "h5.confirmations",
    },
    Item {
        title: "运维记录审核",
        route: "h5.reviews",
    },
    Item {
        title: "我的信息",
        route: "h5.me",
    },
    Item {
        title: "帮助中心",
        route: "h5.help",
    },
];

/// A link in a rendered menu.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub title: &'static str,
    pub href: String,
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SideGroup {
    pub title: Option<&'static str>,
    pub links: Vec<Link>,
}

/// Entries shown only to some of those who may open them; the others reach the page from a link
/// (the form catalogue is read by every role and managed by the city; agencies and enterprises
/// open their own statistics from the home page, the regulators from 综合查询).
const MANAGED: &[(&str, Permission)] = &[
    ("page.catalogue", Permission::PublishCatalogue),
    ("page.statistics", Permission::Inspect),
];

/// The top navigation (one link per visible section: its first visible entry) and the left menu
/// of the section that holds `active_route`.
pub fn portal(actor: Option<&Actor>, active_route: &str) -> (Vec<Link>, Vec<SideGroup>) {
    let table = routes::table();
    let visible = |item: &Item| -> Option<String> {
        let managed = MANAGED
            .iter()
            .filter(|(route, _)| *route == item.route)
            .all(|(_, p)| p.allows(actor));
        table
            .iter()
            .find(|r| r.id == item.route)
            .filter(|r| managed && r.permission.allows(actor))
            .map(|r| r.path.to_string())
    };
    let mut nav = Vec::new();
    let mut side = Vec::new();
    if actor.is_some() {
        nav.push(Link {
            title: "首页",
            href: "/".into(),
            active: active_route == "page.home",
        });
    }
    for section in PORTAL {
        let groups: Vec<SideGroup> = section
            .groups
            .iter()
            .map(|g| SideGroup {
                title: g.title,
                links: g
                    .items
                    .iter()
                    .filter_map(|i| {
                        visible(i).map(|href| Link {
                            title: i.title,
                            href,
                            active: i.route == active_route,
                        })
                    })
                    .collect(),
            })
            .filter(|g| !g.links.is_empty())
            .collect();
        let Some(first) = groups.first().and_then(|g| g.links.first()) else {
            continue;
        };
        let active = groups.iter().flat_map(|g| &g.links).any(|l| l.active);
        nav.push(Link {
            title: section.title,
            href: first.href.clone(),
            active,
        });
        if active {
            side = groups;
        }
    }
    (nav, side)
}

/// The mobile tiles this actor may use.
pub fn mobile(actor: Option<&Actor>) -> Vec<Link> {
    let table = routes::table();
    MOBILE
        .iter()
        .filter_map(|item| {
            table
                .iter()
                .find(|r| r.id == item.route)
                .filter(|r| r.permission.allows(actor))
                .map(|r| Link {
                    title: item.title,
                    href: r.path.to_string(),
                    active: false,
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_points_at_a_page_route() {
        let table = routes::table();
        let items = PORTAL
            .iter()
            .flat_map(|s| s.groups)
            .flat_map(|g| g.items)
            .chain(MOBILE);
        for item in items {
            let route = table.iter().find(|r| r.id == item.route);
            let Some(route) = route else {
                panic!(
                    "menu entry {} points at unknown route {}",
                    item.title, item.route
                )
            };
            assert_eq!(route.method, axum::http::Method::GET, "{}", item.route);
            assert!(!route.is_object_route(), "{}", item.route);
        }
    }
}
