//! A selection in a list and the first row shown, kept so the selection stays on screen
//! and the view scrolls as little as possible (fewer bytes on a slow line).

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cursor {
    pub selected: usize,
    /// The first row shown.
    pub offset: usize,
}

impl Cursor {
    /// Moves by `delta` rows in a list of `len`, showing `page` rows; returns whether anything moved.
    pub fn move_by(&mut self, delta: isize, len: usize, page: usize) -> bool {
        let target = self.selected.saturating_add_signed(delta);
        self.go_to(target, len, page)
    }

    /// Selects `index` (clamped to the list); returns whether anything moved.
    pub fn go_to(&mut self, index: usize, len: usize, page: usize) -> bool {
        let before = *self;
        self.selected = index.min(len.saturating_sub(1));
        self.fit(len, page);
        *self != before
    }

    /// Adjusts the offset so the selection is shown, after a resize or a new list.
    pub fn fit(&mut self, len: usize, page: usize) {
        let page = page.max(1);
        self.selected = self.selected.min(len.saturating_sub(1));
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + page {
            self.offset = self.selected + 1 - page;
        }
        // No blank rows below the end when the list could fill the page.
        self.offset = self.offset.min(len.saturating_sub(page));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moving_past_the_page_scrolls_by_one_row() {
        let mut c = Cursor::default();
        for _ in 0..5 {
            c.move_by(1, 100, 5);
        }
        assert_eq!(
            c,
            Cursor {
                selected: 5,
                offset: 1
            }
        );
        c.move_by(-3, 100, 5);
        assert_eq!(
            c,
            Cursor {
                selected: 2,
                offset: 1
            }
        );
    }

    #[test]
    fn the_selection_stays_inside_the_list() {
        let mut c = Cursor::default();
        assert!(!c.move_by(-1, 10, 5));
        assert!(c.go_to(usize::MAX, 10, 5));
        assert_eq!(
            c,
            Cursor {
                selected: 9,
                offset: 5
            }
        );
        assert!(!c.move_by(1, 10, 5));
        c.fit(0, 5);
        assert_eq!(c, Cursor::default());
    }
}
