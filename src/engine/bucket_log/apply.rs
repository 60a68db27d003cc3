//! Applying a segment to the cache, and what a writer checks against a segment another
//! writer put in its place.

use std::collections::HashSet;

use anyhow::{Result, bail};

use crate::catalog::{NewFile, Tx};
use crate::center::segment::Segment;
use crate::engine::bullet_list;
use crate::values::Digests;

/// The paths and settings a segment of ours sets, which a segment of theirs written just
/// before must not undo in the cache (ours comes after it in the log).
#[derive(Default)]
pub struct OwnChanges {
    paths: HashSet<String>,
    describes: bool,
    /// Ours drops the version (or its model).
    drops: bool,
}

impl OwnChanges {
    pub fn of(segment: &Segment) -> OwnChanges {
        let puts = segment.put.iter().map(|p| p.path.clone());
        OwnChanges {
            paths: puts.chain(segment.delete.iter().cloned()).collect(),
            describes: segment.describe.is_some(),
            drops: segment.drop.is_some(),
        }
    }
}

/// Drops a version from the cache (a model is dropped version by version, each in its own
/// log), and its model once it has none left.
pub fn drop_version(tx: &Tx, model: &str, version: &str) -> Result<()> {
    let Some(model) = tx.model(model)? else {
        return Ok(());
    };
    let Some(version) = tx.version(model.id, version)? else {
        return Ok(());
    };
    tx.delete_version(version.id)?;
    if tx.latest_version(model.id)?.is_none() {
        tx.delete_model(model.id)?;
    }
    Ok(())
}

/// Another write dropped the version (or its model) just before ours, which is no drop: ours
/// would bring back a version someone meant to be gone, and is refused.
pub fn refuse_dropped(theirs: &Segment, ours: &Segment) -> Result<()> {
    if theirs.drop.is_none() || ours.drop.is_some() {
        return Ok(());
    }
    bail!(
        "{} {} was deleted meanwhile by {}; nothing was written (run the command again to \
         make the version anew)",
        ours.model,
        ours.version,
        theirs.by
    )
}

/// Another write stored other content at a path that ours adds as new: ours is refused, as a
/// local import refuses a conflict. Under --force (ours replaced content) or for the same
/// content, both stand.
pub fn refuse_conflicts(theirs: &Segment, ours: &Segment) -> Result<()> {
    let conflicts: Vec<String> = ours
        .put
        .iter()
        .filter(|mine| !mine.replaces)
        .filter(|mine| {
            theirs.put.iter().any(|other| {
                other.path == mine.path && (other.blake3 != mine.blake3 || other.size != mine.size)
            })
        })
        .map(|mine| mine.path.clone())
        .collect();
    if conflicts.is_empty() {
        return Ok(());
    }
    bail!(
        "another import ({}) stored other content meanwhile at these paths of {} {}; use \
         --force to replace:{}",
        theirs.by,
        ours.model,
        ours.version,
        bullet_list(&conflicts)
    )
}

/// Applies a segment to the cache, leaving alone what `ours` sets (it comes later in the log).
pub fn apply(tx: &Tx, segment: &Segment, ours: &OwnChanges) -> Result<()> {
    if ours.drops {
        return Ok(()); // our drop, later in the log, undoes whatever this segment did
    }
    let at = segment.at;
    if segment.drop.is_some() {
        drop_version(tx, &segment.model, &segment.version)?;
    }
    if segment.drop.is_some() && segment.put.is_empty() && !segment.create {
        return Ok(());
    }
    let key = crate::catalog::shared_key(&segment.model);
    let model = tx.ensure_model_keyed(&segment.model, &key, at)?;
    let version = tx.ensure_version(model.id, &segment.version, at)?;
    if let Some(describe) = segment.describe.as_ref().filter(|_| !ours.describes) {
        // A description carries all of the version's tags: one it lacks was removed.
        let tags: Vec<(String, String)> = describe.tags.clone().into_iter().collect();
        let gone: Vec<String> = (version.tags.keys())
            .filter(|k| !describe.tags.contains_key(*k))
            .cloned()
            .collect();
        tx.describe_version(&version, describe.description.as_deref(), &tags, &gone, at)?;
    }
    for path in segment.delete.iter().filter(|p| !ours.paths.contains(*p)) {
        tx.delete_file(version.id, path)?;
    }
    for put in segment.put.iter().filter(|p| !ours.paths.contains(&p.path)) {
        let digests = Digests {
            md5: put.md5.clone(),
            blake3: put.blake3.clone(),
        };
        let file = NewFile {
            path: &put.path,
            size: put.size,
            digests: &digests,
            modified_at: put.modified_at,
            location: put.location.as_deref(),
            replaces: false,
        };
        tx.upsert_file(version.id, &file, put.imported_at)?;
    }
    let moves = segment.alias.iter().map(|a| (a, false));
    for (alias, removed) in moves.chain(segment.unalias.iter().map(|a| (a, true))) {
        tx.apply_alias_move(model.id, alias, &version.name, removed, at, &segment.by)?;
    }
    let moves = !segment.alias.is_empty() || !segment.unalias.is_empty();
    let moves_only = moves
        && !segment.create
        && segment.describe.is_none()
        && segment.put.is_empty()
        && segment.delete.is_empty();
    if moves_only {
        return Ok(()); // moving an alias does not change the version
    }
    tx.touch_version(version.id, at)
}
