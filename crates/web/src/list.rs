//! The list component shared by every list page: paging links, page-size choice, the summary
//! line, and the links to export the current filter (`crate::export` writes the files).

use emss_domain::listing::{PAGE_SIZES, Page};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageLink {
    pub label: String,
    /// None for the current page and for gaps.
    pub href: Option<String>,
    pub current: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SizeOption {
    pub value: u64,
    pub selected: bool,
}

/// Everything the pager partial shows under a list.
#[derive(Debug, Clone)]
pub struct Pager {
    pub summary: String,
    pub links: Vec<PageLink>,
    pub sizes: Vec<SizeOption>,
    /// The list's filters, carried as hidden fields by the page-size form.
    pub hidden: Vec<(String, String)>,
    pub path: String,
    /// The export of the current filter (without paging), if the list has one.
    pub export_href: Option<String>,
    pub empty: bool,
}

impl Pager {
    /// The same list as an Excel workbook: its CSV export's address ending in `.xlsx`.
    pub fn xlsx_href(&self) -> Option<String> {
        self.export_href
            .as_ref()
            .map(|h| h.replacen("/export.csv", "/export.xlsx", 1))
    }
}

fn query_string(pairs: &[(String, String)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs.iter().filter(|(_, v)| !v.is_empty()))
        .finish()
}

/// Builds the pager of `page` for the list at `path` filtered by `filters`.
pub fn pager<T>(
    page: &Page<T>,
    path: &str,
    filters: &[(&str, String)],
    export_path: Option<&str>,
) -> Pager {
    let filters: Vec<(String, String)> = filters
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .filter(|(_, v)| !v.is_empty())
        .collect();
    let href = |n: u64| {
        let mut pairs = filters.clone();
        pairs.push(("page".into(), n.to_string()));
        pairs.push(("page_size".into(), page.page_size.to_string()));
        format!("{path}?{}", query_string(&pairs))
    };
    let count = page.page_count();
    let current = page.page.min(count);
    let mut links = Vec::new();
    if current > 1 {
        links.push(PageLink {
            label: "上一页".into(),
            href: Some(href(current - 1)),
            current: false,
        });
    }
    let mut last_shown = 0;
    for n in 1..=count {
        let near = n + 2 >= current && n <= current + 2;
        if n == 1 || n == count || near {
            if last_shown + 1 < n {
                links.push(PageLink {
                    label: "…".into(),
                    href: None,
                    current: false,
                });
            }
            links.push(PageLink {
                label: n.to_string(),
                href: (n != current).then(|| href(n)),
                current: n == current,
            });
            last_shown = n;
        }
    }
    if current < count {
        links.push(PageLink {
            label: "下一页".into(),
            href: Some(href(current + 1)),
            current: false,
        });
    }
    Pager {
        summary: page.summary(),
        links,
        sizes: PAGE_SIZES
            .iter()
            .map(|&value| SizeOption {
                value,
                selected: value == page.page_size,
            })
            .collect(),
        hidden: filters.clone(),
        path: path.to_string(),
        export_href: export_path.map(|p| {
            if filters.is_empty() {
                p.to_string()
            } else {
                format!("{p}?{}", query_string(&filters))
            }
        }),
        empty: page.items.is_empty(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use emss_domain::listing::PageRequest;

    #[test]
    fn pager_links_keep_the_filter() {
        let req = PageRequest::new(Some(5), Some(10));
        let page = Page::new(vec![0; 10], 409, req);
        let p = pager(
            &page,
            "/admin/accounts",
            &[("keyword", "张".into()), ("org_kind", String::new())],
            Some("/admin/accounts/export.csv"),
        );
        assert_eq!(p.summary, "显示第 41 到第 50 条记录，总共 409 条记录");
        let labels: Vec<_> = p.links.iter().map(|l| l.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "上一页",
                "1",
                "…",
                "3",
                "4",
                "5",
                "6",
                "7",
                "…",
                "41",
                "下一页"
            ]
        );
        let current: Vec<_> = p.links.iter().filter(|l| l.current).collect();
        assert_eq!(current.len(), 1);
        assert_eq!(current[0].label, "5");
        assert_eq!(
            p.links[0].href.as_deref(),
            Some("/admin/accounts?keyword=%E5%BC%A0&page=4&page_size=10")
        );
        assert_eq!(
            p.export_href.as_deref(),
            Some("/admin/accounts/export.csv?keyword=%E5%BC%A0")
        );
        assert_eq!(p.hidden, vec![("keyword".to_string(), "张".to_string())]);
    }

    #[test]
    fn a_single_page_has_no_prev_or_next() {
        let page: Page<u8> = Page::new(vec![], 0, PageRequest::default());
        let p = pager(&page, "/x", &[], None);
        assert_eq!(p.links.len(), 1);
        assert!(p.empty);
    }
}
