//! Console benchmarks (issue 4): bytes written at 80x24 for the first frame and for moving
//! the selection one row (a 9600-baud serial line carries about 960 bytes a second), and
//! time per key and for the first frame with 10,000 assets and 20,000 pending patches.
//!
//! The byte counts are printed (they are exact, not timings); criterion times the rest.

#[path = "../console_support/mod.rs"]
mod console_support;

use std::cell::Cell;
use std::hint::black_box;
use std::io::{self, Write};
use std::rc::Rc;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};
use secureupdate::app::action::InputRequest;
use secureupdate::app::fleet::Fleet;
use secureupdate::app::keymap::{Command, Keymap};
use secureupdate::app::{Action, Model, update};
use secureupdate::config::load_theme;
use secureupdate::tui::render::draw;
use secureupdate::tui::style::Look;

/// Counts the bytes the terminal would receive.
#[derive(Clone, Default)]
struct ByteCounter(Rc<Cell<usize>>);

impl Write for ByteCounter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.set(self.0.get() + buf.len());
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn terminal<W: Write>(writer: W, width: u16, height: u16) -> Terminal<CrosstermBackend<W>> {
    Terminal::with_options(
        CrosstermBackend::new(writer),
        TerminalOptions {
            viewport: Viewport::Fixed(Rect::new(0, 0, width, height)),
        },
    )
    .expect("a fixed viewport needs no terminal")
}

fn model(fleet: Fleet, width: u16, height: u16) -> Model {
    Model::new(
        fleet,
        Keymap::default(),
        console_support::now(),
        width,
        height,
    )
}

fn look(theme: &str, ascii: bool) -> Look {
    Look::new(&load_theme(theme, None).expect("built-in theme"), ascii)
}

/// Bytes for the first frame and for one row down, at 80x24, for a demo-sized fleet.
fn report_bytes() {
    for (theme, ascii) in [("default", false), ("mono", true)] {
        let look = look(theme, ascii);
        let counter = ByteCounter::default();
        let mut term = terminal(counter.clone(), 80, 24);
        let mut m = model(console_support::fleet(15, 49), 80, 24);
        term.draw(|f| draw(f, &m, &look)).expect("draw");
        let first = counter.0.get();
        update(&mut m, Action::Command(Command::Down));
        term.draw(|f| draw(f, &m, &look)).expect("draw");
        let one_row = counter.0.get() - first;
        update(&mut m, Action::Command(Command::Open));
        term.draw(|f| draw(f, &m, &look)).expect("draw");
        let detail = counter.0.get() - first - one_row;
        println!(
            "console bytes at 80x24, theme {theme}{}: first frame {first} B (target <= 6144), \
             one row down {one_row} B (target <= 300), open detail {detail} B",
            if ascii { " --ascii" } else { "" }
        );
    }
}

fn big_fleet() -> Fleet {
    console_support::fleet(20_000, 10_000)
}

fn benches(c: &mut Criterion) {
    report_bytes();
    let look = look("default", false);
    let fleet = big_fleet();

    c.bench_function(
        "first frame, 20k patches / 10k assets (model + draw)",
        |b| {
            b.iter_batched(
                || fleet.clone(),
                |fleet| {
                    let m = model(fleet, 80, 24);
                    let mut term = terminal(io::sink(), 80, 24);
                    term.draw(|f| draw(f, &m, &look)).expect("draw");
                    black_box(m.queue.rows.len())
                },
                BatchSize::LargeInput,
            )
        },
    );

    let mut m = model(fleet.clone(), 80, 24);
    let mut term = terminal(io::sink(), 80, 24);
    term.draw(|f| draw(f, &m, &look)).expect("draw");
    let mut down = true;
    c.bench_function("key j/k, 20k patches (update + draw)", |b| {
        b.iter(|| {
            let command = if down { Command::Down } else { Command::Up };
            down = !down;
            update(&mut m, Action::Command(command));
            term.draw(|f| draw(f, &m, &look)).expect("draw");
        })
    });

    update(&mut m, Action::Command(Command::Filter));
    let mut typed = false;
    c.bench_function("filter keystroke, 20k patches (refilter + draw)", |b| {
        b.iter(|| {
            let request = if typed {
                InputRequest::DeletePrevChar
            } else {
                InputRequest::InsertChar('7')
            };
            typed = !typed;
            update(&mut m, Action::FilterEdit(request));
            term.draw(|f| draw(f, &m, &look)).expect("draw");
        })
    });
    update(&mut m, Action::FilterClear);

    c.bench_function("sort key, 20k patches (resort + draw)", |b| {
        b.iter(|| {
            update(&mut m, Action::Command(Command::Sort));
            term.draw(|f| draw(f, &m, &look)).expect("draw");
        })
    });

    update(&mut m, Action::Command(Command::NextPane));
    c.bench_function("key j/k, 10k assets (update + draw)", |b| {
        b.iter(|| {
            let command = if down { Command::Down } else { Command::Up };
            down = !down;
            update(&mut m, Action::Command(command));
            term.draw(|f| draw(f, &m, &look)).expect("draw");
        })
    });
}

criterion_group! {
    name = console;
    config = Criterion::default().sample_size(20);
    targets = benches
}
criterion_main!(console);
