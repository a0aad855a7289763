//! The built-in training site, embedded so that `demo` needs nothing else.

use include_dir::{Dir, DirEntry, include_dir};

static DEMO: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/fixtures/demo");

/// Every file of the demo site as (path relative to the site, contents).
pub fn files() -> Vec<(&'static str, &'static [u8])> {
    let mut out = Vec::new();
    collect(&DEMO, &mut out);
    out.sort_by_key(|(path, _)| *path);
    out
}

fn collect(dir: &'static Dir<'static>, out: &mut Vec<(&'static str, &'static [u8])>) {
    for entry in dir.entries() {
        match entry {
            DirEntry::Dir(sub) => collect(sub, out),
            DirEntry::File(file) => {
                if let Some(path) = file.path().to_str() {
                    out.push((path, file.contents()));
                }
            }
        }
    }
}
