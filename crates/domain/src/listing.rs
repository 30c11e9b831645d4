//! Server-side paging, shared by every list page, API list and export.

use serde::Serialize;

/// The page sizes offered on list pages.
pub const PAGE_SIZES: [u64; 4] = [10, 20, 50, 100];
pub const DEFAULT_PAGE_SIZE: u64 = 10;
/// The API's upper bound for `page_size` (api.md).
pub const MAX_PAGE_SIZE: u64 = 100;
/// The most rows one export may hold (ACL-08).
pub const MAX_EXPORT_ROWS: u64 = 50_000;
/// The last page number anyone can ask for: a million pages of the largest size is far beyond the
/// biggest list, and keeps every offset well inside what the databases take.
pub const MAX_PAGE: u64 = 1_000_000;

/// Which page of a list is asked for. List pages clamp values out of range (a stale bookmark
/// should still show a list, [`PageRequest::new`]); the API refuses them
/// ([`PageRequest::checked`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub page: u64,
    pub page_size: u64,
}

impl PageRequest {
    pub fn new(page: Option<u64>, page_size: Option<u64>) -> Self {
        let page_size = page_size
            .unwrap_or(DEFAULT_PAGE_SIZE)
            .clamp(1, MAX_PAGE_SIZE);
        let page = page.unwrap_or(1).clamp(1, MAX_PAGE);
        Self { page, page_size }
    }

    /// The API's paging: values out of range are refused with the field's message (`page`,
    /// `page_size`) instead of being clamped, so a client learns its request was not what it got.
    pub fn checked(
        page: Option<u64>,
        page_size: Option<u64>,
    ) -> Result<Self, Vec<(&'static str, String)>> {
        let mut problems = Vec::new();
        if page.is_some_and(|p| !(1..=MAX_PAGE).contains(&p)) {
            problems.push(("page", format!("页码应在 1 到 {MAX_PAGE} 之间")));
        }
        if page_size.is_some_and(|s| !(1..=MAX_PAGE_SIZE).contains(&s)) {
            problems.push((
                "page_size",
                format!("每页条数应在 1 到 {MAX_PAGE_SIZE} 之间"),
            ));
        }
        if problems.is_empty() {
            Ok(Self::new(page, page_size))
        } else {
            Err(problems)
        }
    }

    /// Everything up to the export limit, in one page.
    pub fn export() -> Self {
        Self {
            page: 1,
            page_size: MAX_EXPORT_ROWS,
        }
    }

    pub fn offset(&self) -> u64 {
        (self.page - 1).saturating_mul(self.page_size)
    }
}

impl Default for PageRequest {
    fn default() -> Self {
        Self::new(None, None)
    }
}

/// One page of a list, with the total count of the whole filtered list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub page: u64,
    pub page_size: u64,
}

impl<T> Page<T> {
    pub fn new(items: Vec<T>, total: u64, request: PageRequest) -> Self {
        Self {
            items,
            total,
            page: request.page,
            page_size: request.page_size,
        }
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            total: self.total,
            page: self.page,
            page_size: self.page_size,
        }
    }

    /// The row number (from 1) of this page's first item, as list pages number their rows.
    pub fn first_number(&self) -> u64 {
        PageRequest {
            page: self.page,
            page_size: self.page_size,
        }
        .offset()
        .saturating_add(1)
    }

    /// How many pages the whole list has (at least one, so an empty list still has page 1).
    pub fn page_count(&self) -> u64 {
        self.total.div_ceil(self.page_size.max(1)).max(1)
    }

    /// The 1-based position of the first row shown.
    pub fn first_row(&self) -> u64 {
        if self.items.is_empty() {
            0
        } else {
            (self.page - 1) * self.page_size + 1
        }
    }

    /// The 1-based position of the last row shown.
    pub fn last_row(&self) -> u64 {
        if self.items.is_empty() {
            0
        } else {
            self.first_row() + self.items.len() as u64 - 1
        }
    }

    /// The line under every list: "显示第 1 到第 10 条记录，总共 409 条记录".
    pub fn summary(&self) -> String {
        format!(
            "显示第 {} 到第 {} 条记录，总共 {} 条记录",
            self.first_row(),
            self.last_row(),
            self.total
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging_never_overflows_and_the_api_refuses_what_it_would_clamp() {
        let far = PageRequest::new(Some(u64::MAX), Some(u64::MAX));
        assert_eq!((far.page, far.page_size), (MAX_PAGE, MAX_PAGE_SIZE));
        assert!(far.offset() < i64::MAX as u64);
        assert_eq!(
            PageRequest::checked(Some(3), Some(20)),
            Ok(PageRequest {
                page: 3,
                page_size: 20
            })
        );
        assert_eq!(PageRequest::checked(None, None), Ok(PageRequest::default()));
        let fields: Vec<&str> = PageRequest::checked(Some(u64::MAX), Some(0))
            .unwrap_err()
            .into_iter()
            .map(|(f, _)| f)
            .collect();
        assert_eq!(fields, ["page", "page_size"]);
        assert!(PageRequest::checked(Some(0), None).is_err());
        assert!(PageRequest::checked(None, Some(101)).is_err());
    }

    #[test]
    fn clamps_requests() {
        assert_eq!(
            PageRequest::new(None, None),
            PageRequest {
                page: 1,
                page_size: 10
            }
        );
        assert_eq!(PageRequest::new(Some(0), Some(1000)).page_size, 100);
        assert_eq!(
            PageRequest::new(Some(0), Some(0)),
            PageRequest {
                page: 1,
                page_size: 1
            }
        );
        assert_eq!(PageRequest::new(Some(3), Some(20)).offset(), 40);
    }

    #[test]
    fn summary_reads_like_the_current_system() {
        let req = PageRequest::new(Some(1), Some(10));
        let page = Page::new((0..10).collect::<Vec<_>>(), 409, req);
        assert_eq!(page.summary(), "显示第 1 到第 10 条记录，总共 409 条记录");
        assert_eq!(page.page_count(), 41);

        let last = Page::new(vec![1, 2], 42, PageRequest::new(Some(5), Some(10)));
        assert_eq!(last.summary(), "显示第 41 到第 42 条记录，总共 42 条记录");

        let empty: Page<u8> = Page::new(vec![], 0, req);
        assert_eq!(empty.summary(), "显示第 0 到第 0 条记录，总共 0 条记录");
        assert_eq!(empty.page_count(), 1);
    }
}
