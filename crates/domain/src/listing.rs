//! Server-side paging, shared by every list page, API list and export.

use serde::Serialize;

/// The page sizes offered on list pages.
pub const PAGE_SIZES: [u64; 4] = [10, 20, 50, 100];
pub const DEFAULT_PAGE_SIZE: u64 = 10;
/// The API's upper bound for `page_size` (api.md).
pub const MAX_PAGE_SIZE: u64 = 100;
/// The most rows one export may hold (ACL-08).
pub const MAX_EXPORT_ROWS: u64 = 50_000;

/// Which page of a list is asked for. Out-of-range values are clamped, never refused: a stale
/// bookmark should still show a list.
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
        let page = page.unwrap_or(1).max(1);
        Self { page, page_size }
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
