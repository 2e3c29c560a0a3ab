//! Regions: which kabupaten/kota, kecamatan or landmark of Kalimantan Timur a post is about,
//! from the gazetteer of `keywords/regions.toml`.
//!
//! The automaton's pass over a field ([`super::evaluate`]) finds the names; here
//! [`keep_outermost`] drops a name inside a longer name or inside a phrase where it means
//! something else ("Kanwil BPN"), and [`resolve`] decides what the post is about: an
//! ambiguous name counts only when the post, or its source's region, also names an
//! unambiguous region in the same kabupaten/kota (or the province); each region brings its
//! parents; failing any, the source's region is used.

use super::document::Field;
use super::lists::RegionDef;
use crate::fold::Folded;
use crate::model::RegionId;

/// Deepest chain of parents followed; loading already rejects a cycle, this guards anyway.
const MAX_DEPTH: usize = 16;

/// A name found in a field by the automaton, before longer names win.
pub(super) struct NameHit {
    /// The region, or `None` for an `other_senses` phrase: it hides the names inside it and
    /// is not a region itself.
    pub(super) region: Option<usize>,
    pub(super) ambiguous: bool,
    /// Byte range in the folded field.
    pub(super) start: usize,
    pub(super) end: usize,
    /// The Aho-Corasick term that matched.
    pub(super) term: usize,
}

/// A region name that counts in a field.
#[derive(Debug, Clone)]
pub(super) struct Found {
    pub(super) region: usize,
    pub(super) ambiguous: bool,
    pub(super) field: Field,
    /// Byte range in the original field.
    pub(super) orig: (usize, usize),
    /// The Aho-Corasick term that matched (its folded text names the rule).
    pub(super) term: usize,
}

/// A region the post is about (or would be, for an ignored one).
#[derive(Debug, Clone)]
pub(super) struct Placed {
    pub(super) region: usize,
    /// Indices into the [`Found`] names that name it; none when it is inferred.
    pub(super) found: Vec<usize>,
    /// Not named in the text: a parent of a named region, or the source's default.
    pub(super) inferred: bool,
}

/// What [`resolve`] decided.
pub(super) struct Resolution {
    /// The regions counted, named ones in gazetteer order, then inferred parents.
    pub(super) kept: Vec<Placed>,
    /// Ambiguous names without Kalimantan Timur context.
    pub(super) ignored: Vec<Placed>,
}

/// Keeps the names of one field that no longer name or `other_senses` phrase holds.
pub(super) fn keep_outermost(
    field: Field,
    folded: &Folded,
    names: &[NameHit],
    out: &mut Vec<Found>,
) {
    for n in names {
        let Some(region) = n.region else { continue };
        let (start, end) = (n.start, n.end);
        let inside_longer = names
            .iter()
            .any(|o| o.start <= start && end <= o.end && (o.end - o.start) > (end - start));
        if !inside_longer {
            out.push(Found {
                region,
                ambiguous: n.ambiguous,
                field,
                orig: folded.original_span(start, end),
                term: n.term,
            });
        }
    }
}

/// Keeps ambiguous names only with context and adds parents (or the default region).
pub(super) fn resolve(
    regions: &[RegionDef],
    found: &[Found],
    default_region: Option<&RegionId>,
) -> Resolution {
    let default = default_region.and_then(|id| index(regions, id));
    // Context for an ambiguous name: an unambiguous name, or the source's region, in the
    // same part of the province ("Batu Ampar, Balikpapan" is not Batu Ampar in Kutai Timur).
    let confirmed = |r: usize| {
        default.is_some_and(|d| same_area(regions, d, r))
            || found
                .iter()
                .any(|g| !g.ambiguous && same_area(regions, g.region, r))
    };
    let mut kept: Vec<Placed> = Vec::new();
    let mut ignored: Vec<Placed> = Vec::new();
    for (i, f) in found.iter().enumerate() {
        let list = if f.ambiguous && !confirmed(f.region) {
            &mut ignored
        } else {
            &mut kept
        };
        match list.iter_mut().find(|p| p.region == f.region) {
            Some(p) => p.found.push(i),
            None => list.push(Placed {
                region: f.region,
                found: vec![i],
                inferred: false,
            }),
        }
    }
    kept.sort_by_key(|p| p.region);
    if kept.is_empty()
        && let Some(idx) = default
    {
        kept.push(Placed {
            region: idx,
            found: Vec::new(),
            inferred: true,
        });
    }
    add_parents(regions, &mut kept);
    Resolution { kept, ignored }
}

/// Adds the parents of every kept region, once each, marked inferred.
fn add_parents(regions: &[RegionDef], kept: &mut Vec<Placed>) {
    let mut i = 0;
    while i < kept.len() {
        let mut at = regions[kept[i].region].parent.as_ref();
        let mut guard = 0;
        while let Some(pid) = at {
            guard += 1;
            let Some(p) = index(regions, pid) else {
                break;
            };
            if guard > MAX_DEPTH {
                break;
            }
            if !kept.iter().any(|k| k.region == p) {
                kept.push(Placed {
                    region: p,
                    found: Vec::new(),
                    inferred: true,
                });
            }
            at = regions[p].parent.as_ref();
        }
        i += 1;
    }
}

/// Whether a region is a kabupaten or kota: the level hourly counts are kept at.
pub(super) fn is_area(region: &RegionDef) -> bool {
    region.level.is_area()
}

fn index(regions: &[RegionDef], id: &RegionId) -> Option<usize> {
    regions.iter().position(|r| &r.id == id)
}

/// Region `r` and its parents, nearest first.
fn lineage(regions: &[RegionDef], r: usize) -> impl Iterator<Item = usize> + '_ {
    std::iter::successors(Some(r), |&i| {
        regions[i].parent.as_ref().and_then(|p| index(regions, p))
    })
    .take(MAX_DEPTH)
}

/// Whether two regions lie in one part of the province: both in the same kabupaten/kota,
/// or one of them province-wide (the province itself, the Mahakam river).
fn same_area(regions: &[RegionDef], a: usize, b: usize) -> bool {
    let area = |r: usize| lineage(regions, r).find(|&i| is_area(&regions[i]));
    match (area(a), area(b)) {
        (Some(x), Some(y)) => x == y,
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::super::testing::{BANJIR, classifier};
    use crate::classify::{Document, lists};
    use crate::model::RegionId;

    #[test]
    fn regions_prefer_longer_names_and_add_parents() {
        let c = classifier(&[("banjir", BANJIR)]);
        let names = |text: &str, default: Option<&RegionId>| -> Vec<(String, bool)> {
            c.classify(&Document::text(text), default)
                .regions
                .iter()
                .map(|r| (c.regions[r.region].id.to_string(), r.inferred))
                .collect()
        };
        assert_eq!(
            names("Jalan di Penajam Paser Utara rusak", None),
            [("ppu".to_string(), false), ("kaltim".to_string(), true)]
        );
        assert_eq!(
            names("Banjir di Sempaja", None),
            [
                ("sempaja".to_string(), false),
                ("samarinda".to_string(), true),
                ("kaltim".to_string(), true)
            ]
        );
        let sam = RegionId::new("samarinda");
        assert_eq!(
            names("Jalan rusak parah", Some(&sam)),
            [
                ("samarinda".to_string(), true),
                ("kaltim".to_string(), true)
            ]
        );
        let tags = c.tags_for(&Document::text("Banjir di Sempaja dan Paser"), None);
        assert_eq!(
            tags.areas,
            [RegionId::new("paser"), RegionId::new("samarinda")]
        );
    }

    #[test]
    fn ambiguous_region_names_need_context() {
        let c = classifier(&[("b", BANJIR)]);
        let regions = |text: &str, default: Option<&RegionId>| -> Vec<String> {
            c.classify(&Document::text(text), default)
                .regions
                .iter()
                .filter(|r| !r.inferred)
                .map(|r| c.regions[r.region].id.to_string())
                .collect()
        };
        assert!(regions("Bakti sosial di Kota Bangun, Marelan, Medan", None).is_empty());
        assert_eq!(
            regions("Banjir di Kota Bangun, Penajam Paser Utara", None),
            ["ppu", "kota-bangun"]
        );
        assert_eq!(regions("Banjir di Kota Bangun, Kaltim", None).len(), 2);
        // A name from another part of the province is no context.
        assert_eq!(
            regions("Banjir di Kota Bangun dan Samarinda", None),
            ["samarinda"]
        );
        let ppu = RegionId::new("ppu");
        assert_eq!(
            regions("Jalan di Kota Bangun rusak", Some(&ppu)),
            ["kota-bangun"]
        );
        let r = c.classify(&Document::text("di Kota Bangun"), None);
        assert_eq!(r.ignored_regions.len(), 1);
    }

    #[test]
    fn a_name_in_another_sense_is_no_region() {
        let c = classifier(&[("b", BANJIR)]);
        let regions = |text: &str| -> Vec<String> {
            c.classify(&Document::text(text), None)
                .regions
                .iter()
                .filter(|r| !r.inferred)
                .map(|r| c.regions[r.region].id.to_string())
                .collect()
        };
        assert!(regions("Setoran PPU pajak Samarinda").contains(&"samarinda".to_string()));
        assert!(!regions("Setoran PPU pajak Samarinda").contains(&"ppu".to_string()));
        assert_eq!(regions("Jalan di PPU rusak"), ["ppu"]);
        // A phrase that does not hold one of the region's names is a mistake.
        let files = vec![(
            PathBuf::from("keywords/regions.toml"),
            "[[region]]\nid = \"x\"\nname = \"Sepaku\"\nlevel = \"kecamatan\"\nother_senses = [\"Kanwil BPN\"]\n"
                .to_string(),
        )];
        let err = lists::load_files(&files).unwrap_err().to_string();
        assert!(err.contains("regions.toml:5:"), "{err}");
        assert!(err.contains("tidak memuat nama"), "{err}");
    }
}
