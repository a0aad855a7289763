//! The rows a list pane shows: the fleet's rows that match the filter, in the chosen order.

use std::cmp::Reverse;

use super::fleet::{AssetRow, PatchRow};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueSort {
    Risk,
    Due,
    Epss,
    Assets,
    Id,
}

impl QueueSort {
    pub fn next(self) -> QueueSort {
        match self {
            QueueSort::Risk => QueueSort::Due,
            QueueSort::Due => QueueSort::Epss,
            QueueSort::Epss => QueueSort::Assets,
            QueueSort::Assets => QueueSort::Id,
            QueueSort::Id => QueueSort::Risk,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            QueueSort::Risk => "risk",
            QueueSort::Due => "due date",
            QueueSort::Epss => "EPSS",
            QueueSort::Assets => "hosts",
            QueueSort::Id => "patch id",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssetSort {
    Risk,
    Name,
    Pending,
    LastScan,
}

impl AssetSort {
    pub fn next(self) -> AssetSort {
        match self {
            AssetSort::Risk => AssetSort::Name,
            AssetSort::Name => AssetSort::Pending,
            AssetSort::Pending => AssetSort::LastScan,
            AssetSort::LastScan => AssetSort::Risk,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AssetSort::Risk => "risk",
            AssetSort::Name => "name",
            AssetSort::Pending => "pending",
            AssetSort::LastScan => "oldest scan",
        }
    }
}

/// Lower-case text a filter word is looked for in, one per row.
pub fn patch_haystack(p: &PatchRow) -> String {
    let mut text = format!(
        "{} {} {} {} {}",
        p.id,
        p.title,
        p.os,
        p.class.label(),
        if p.kev { "kev" } else { "" }
    );
    for cve in &p.cves {
        text.push(' ');
        text.push_str(&cve.id);
    }
    text.to_lowercase()
}

pub fn asset_haystack(a: &AssetRow) -> String {
    format!(
        "{} {} {} {:?} {:?} {:?} {} {}",
        a.name,
        a.address,
        a.os,
        a.environment,
        a.criticality,
        a.exposure,
        a.groups.join(" "),
        a.owner.as_deref().unwrap_or("")
    )
    .to_lowercase()
}

/// Indices of the rows whose text contains every word of `filter` (case-insensitive).
pub fn matching(haystacks: &[String], filter: &str) -> Vec<usize> {
    let words: Vec<String> = filter.split_whitespace().map(str::to_lowercase).collect();
    haystacks
        .iter()
        .enumerate()
        .filter(|(_, text)| words.iter().all(|w| text.contains(w.as_str())))
        .map(|(i, _)| i)
        .collect()
}

/// Orders `rows` (indices into `patches`); rank breaks every tie, so the order is total.
pub fn sort_patches(rows: &mut [usize], patches: &[PatchRow], sort: QueueSort) {
    match sort {
        QueueSort::Risk => rows.sort_by_key(|&i| patches[i].rank),
        QueueSort::Due => rows.sort_by_key(|&i| (patches[i].due, patches[i].rank)),
        QueueSort::Epss => rows.sort_by(|&a, &b| {
            let epss = |i: usize| patches[i].epss.unwrap_or(-1.0);
            epss(b)
                .total_cmp(&epss(a))
                .then(patches[a].rank.cmp(&patches[b].rank))
        }),
        QueueSort::Assets => {
            rows.sort_by_key(|&i| (Reverse(patches[i].assets.len()), patches[i].rank))
        }
        QueueSort::Id => rows.sort_by(|&a, &b| patches[a].id.cmp(&patches[b].id)),
    }
}

pub fn sort_assets(rows: &mut [usize], assets: &[AssetRow], sort: AssetSort) {
    match sort {
        AssetSort::Risk => rows.sort_by_key(|&i| assets[i].rank),
        AssetSort::Name => rows.sort_by(|&a, &b| assets[a].name.cmp(&assets[b].name)),
        AssetSort::Pending => {
            rows.sort_by_key(|&i| (Reverse(assets[i].patches.len()), assets[i].rank))
        }
        // Never scanned first: the least known is the most urgent to look at.
        AssetSort::LastScan => rows.sort_by_key(|&i| (assets[i].last_scan, assets[i].rank)),
    }
}
