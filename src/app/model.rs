//! The console's state. Only `update` changes it; render functions read it.

use crate::core::sanitize::sanitize_line;
use chrono::{DateTime, Utc};
use tui_input::Input;

use super::checklist::{PatchChecklist, Step, checklist};
use super::cursor::Cursor;
use super::fleet::Fleet;
use super::journal::JournalView;
use super::keymap::Keymap;
use super::listing::{
    AssetSort, QueueSort, asset_haystack, matching, patch_haystack, sort_assets, sort_patches,
};
use super::prompt::Prompt;
use super::rollout::RolloutView;

/// Rows a list screen spends on other things: the tab line, the table's border and header,
/// the status bar and the key hints. The renderer lays the screen out to match.
pub const LIST_CHROME_ROWS: u16 = 6;

/// The smallest terminal the console draws in; below it, a message says so.
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

/// How many drill-downs the back stack keeps.
const MAX_DEPTH: usize = 16;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Queue,
    Assets,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScreenKind {
    /// A patch: why it ranks, its CVEs, and the assets that need it.
    PatchDetail { patch: usize },
    /// An asset: why it ranks, and its pending patches.
    AssetDetail { asset: usize },
    /// The seven steps for a patch.
    Checklist { patch: usize },
    /// The journal's newest entries, newest first.
    Journal,
    /// The rollout started in this console: waves, hosts, log and the waiting question.
    Rollout,
}

/// Whether this console may start rollouts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RolloutAccess {
    /// The operator's key is unlocked; `training` on the demo's simulated fleet.
    Ready { training: bool },
    /// Rollouts can be watched but not started, for this reason.
    ShowOnly(String),
}

/// A screen above the list, with its own selection and text scroll.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Screen {
    pub kind: ScreenKind,
    pub cursor: Cursor,
    /// Lines of text scrolled past (PgUp/PgDn) in the screen's text part.
    pub scroll: u16,
}

/// One list pane: the rows matching its filter, in its order, and the selection.
#[derive(Debug, Clone)]
pub struct Listing<S> {
    /// Indices into the fleet's rows, in display order.
    pub rows: Vec<usize>,
    pub cursor: Cursor,
    pub sort: S,
    pub filter: Input,
    haystacks: Vec<String>,
}

impl<S: Copy> Listing<S> {
    /// The fleet row under the selection, if the list is not empty.
    pub fn selected(&self) -> Option<usize> {
        self.rows.get(self.cursor.selected).copied()
    }

    /// Re-filters the rows and orders them with `sort`, keeping the selected row selected if
    /// it is still shown.
    fn refresh(&mut self, page: usize, sort: impl FnOnce(&mut [usize], S)) {
        let keep = self.selected();
        let mut rows = matching(&self.haystacks, self.filter.value());
        sort(&mut rows, self.sort);
        self.rows = rows;
        let at = keep.and_then(|k| self.rows.iter().position(|&r| r == k));
        self.cursor.go_to(at.unwrap_or(0), self.rows.len(), page);
    }
}

/// A line for the operator under the screen. Its text may carry a host's, a file's or a
/// feed's words, so it is sanitized when the message is made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    text: String,
    pub error: bool,
}

impl Message {
    /// Longest message kept: more than a terminal line shows.
    const MAX_CHARS: usize = 400;

    pub fn error(text: &str) -> Message {
        Message {
            text: sanitize_line(text, Self::MAX_CHARS),
            error: true,
        }
    }

    pub fn info(text: &str) -> Message {
        Message {
            text: sanitize_line(text, Self::MAX_CHARS),
            error: false,
        }
    }

    pub fn text(&self) -> &str {
        &self.text
    }
}

#[derive(Debug, Clone)]
pub struct Model {
    pub fleet: Fleet,
    pub keymap: Keymap,
    pub pane: Pane,
    pub queue: Listing<QueueSort>,
    pub assets: Listing<AssetSort>,
    /// Drill-downs above the list, the last on top.
    pub stack: Vec<Screen>,
    /// Whether keys go to the filter line.
    pub editing_filter: bool,
    pub help: bool,
    pub width: u16,
    pub height: u16,
    pub now: DateTime<Utc>,
    pub message: Option<Message>,
    pub journal: JournalView,
    /// Whether something is running that quitting would interrupt (a rollout).
    pub work_running: bool,
    /// `q` was pressed while work was running: the next `q` quits.
    pub confirm_quit: bool,
    pub access: RolloutAccess,
    /// The rollout started in this console, running or ended.
    pub rollout: Option<RolloutView>,
    /// Kept current by `refresh_checklist`; read it with `checklist_of`.
    checklist: Option<PatchChecklist>,
    /// A decision being typed; keys go to it.
    pub prompt: Option<Prompt>,
    /// Lines of the help overlay scrolled past.
    pub help_scroll: u16,
}

impl Model {
    pub fn new(fleet: Fleet, keymap: Keymap, now: DateTime<Utc>, width: u16, height: u16) -> Model {
        let queue_hay: Vec<String> = fleet.patches.iter().map(patch_haystack).collect();
        let asset_hay: Vec<String> = fleet.assets.iter().map(asset_haystack).collect();
        let mut model = Model {
            queue: Listing {
                rows: (0..fleet.patches.len()).collect(),
                cursor: Cursor::default(),
                sort: QueueSort::Risk,
                filter: Input::default(),
                haystacks: queue_hay,
            },
            assets: Listing {
                rows: (0..fleet.assets.len()).collect(),
                cursor: Cursor::default(),
                sort: AssetSort::Risk,
                filter: Input::default(),
                haystacks: asset_hay,
            },
            fleet,
            keymap,
            pane: Pane::Queue,
            stack: Vec::new(),
            editing_filter: false,
            help: false,
            width,
            height,
            now,
            message: None,
            journal: JournalView::default(),
            work_running: false,
            confirm_quit: false,
            access: RolloutAccess::ShowOnly(
                "rollouts need an operator with a key: start the console with --operator NAME"
                    .to_string(),
            ),
            rollout: None,
            checklist: None,
            prompt: None,
            help_scroll: 0,
        };
        model.refresh_queue();
        model.refresh_assets();
        model
    }

    /// Rows of a list table at the current height.
    pub fn page(&self) -> usize {
        usize::from(self.height.saturating_sub(LIST_CHROME_ROWS)).max(1)
    }

    pub fn too_small(&self) -> bool {
        self.width < MIN_WIDTH || self.height < MIN_HEIGHT
    }

    pub fn top(&self) -> Option<&Screen> {
        self.stack.last()
    }

    pub fn push(&mut self, kind: ScreenKind) {
        if self.stack.len() == MAX_DEPTH {
            self.stack.remove(0);
        }
        self.stack.push(Screen {
            kind,
            cursor: Cursor::default(),
            scroll: 0,
        });
        if matches!(kind, ScreenKind::Checklist { .. }) {
            self.refresh_checklist();
        }
    }

    /// Builds the checklist of the checklist screen on the stack, if there is one, from the
    /// fleet and the console's rollout of that patch. Called when either changes.
    pub fn refresh_checklist(&mut self) {
        let patch = self
            .stack
            .iter()
            .rev()
            .find_map(|screen| match screen.kind {
                ScreenKind::Checklist { patch } => Some(patch),
                _ => None,
            });
        self.checklist = patch.map(|patch| {
            let run = self.rollout.as_ref().filter(|r| r.patch == patch);
            PatchChecklist {
                patch,
                steps: checklist(&self.fleet, &self.fleet.patches[patch], run),
            }
        });
    }

    /// The steps of `patch`'s checklist, when its screen is open.
    pub fn checklist_of(&self, patch: usize) -> Option<&[Step]> {
        self.checklist
            .as_ref()
            .filter(|c| c.patch == patch)
            .map(|c| c.steps.as_slice())
    }

    /// Re-filters and re-sorts the queue, keeping the selected patch selected if it is shown.
    pub fn refresh_queue(&mut self) {
        let page = self.page();
        let patches = &self.fleet.patches;
        self.queue
            .refresh(page, |rows, sort| sort_patches(rows, patches, sort));
    }

    /// Re-filters and re-sorts the assets, keeping the selected asset selected if it is shown.
    pub fn refresh_assets(&mut self) {
        let page = self.page();
        let assets = &self.fleet.assets;
        self.assets
            .refresh(page, |rows, sort| sort_assets(rows, assets, sort));
    }

    /// The filter of the pane on show.
    pub fn filter(&self) -> &Input {
        match self.pane {
            Pane::Queue => &self.queue.filter,
            Pane::Assets => &self.assets.filter,
        }
    }
}

/// Rows between the tab line and the status bar and key hints.
pub fn body_rows(height: u16) -> u16 {
    height.saturating_sub(3)
}

/// A detail screen's split of a body of `body` rows: (text block, related-list block).
pub fn detail_split(body: u16) -> (u16, u16) {
    let list = body / 2;
    (body - list, list)
}

/// Rows of the related-list table on a detail screen (its block less border and header).
pub fn detail_page(height: u16) -> usize {
    usize::from(detail_split(body_rows(height)).1.saturating_sub(3)).max(1)
}

/// Waves the rollout view lists at once (more scroll with the running wave).
pub const ROLLOUT_WAVE_ROWS: u16 = 5;

/// The rollout view's split of a body of `body` rows: (waves block, hosts and log blocks,
/// the run line).
pub fn rollout_split(body: u16) -> (u16, u16, u16) {
    let waves = ROLLOUT_WAVE_ROWS + 2;
    (waves, body.saturating_sub(waves + 1), 1)
}

/// Rows of a screen's selectable list: the journal's fills the body like a list pane's.
pub fn screen_page(kind: ScreenKind, height: u16) -> usize {
    match kind {
        ScreenKind::Journal => usize::from(height.saturating_sub(LIST_CHROME_ROWS)).max(1),
        ScreenKind::Rollout => {
            usize::from(rollout_split(body_rows(height)).1.saturating_sub(3)).max(1)
        }
        _ => detail_page(height),
    }
}
