//! Choropleth maps of the 10 kabupaten/kota as inline SVG, for the HTML briefing and the
//! dashboard: no script, nothing fetched, and every colour an attribute, so the map looks the
//! same in any page that inserts it and prints as it shows.
//!
//! The boundaries are `assets/geo/kaltim-kabkota.json`, made by `scripts/simplify_geo.py` from
//! the `wilayah_boundaries` data set (MIT, `assets/geo/LICENSE.wilayah_boundaries`): already
//! simplified and projected to SVG path strings, so drawing a map is string assembly. Each area
//! is one `<path data-region="id" data-posts="n">` with a `<title>` of its name and count; the
//! `<svg>` has `role="img"` and an `aria-label` that reads every count, and [`figure`] adds a
//! plain table of the same numbers for screen readers and paper. Names come from the keyword
//! lists (hostile only in theory, escaped all the same).

use std::fmt::Write as _;
use std::sync::LazyLock;

use serde::Deserialize;

use super::RegionCount;
use super::svg::esc;
use crate::time::Lang;

/// Fill of an area with no post: grey, so that "none" never reads as "a few".
const ZERO: &str = "#eceff3";
/// Fills of the classes from fewest to most posts (ColorBrewer Blues, 5 classes).
const BLUES: [&str; 5] = ["#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c"];
/// The outline and marker of an area where an issue is rising (the briefing's `--hot`).
const HOT: &str = "#a8201a";

/// The shipped boundaries, as `scripts/simplify_geo.py` writes them.
#[derive(Debug, Deserialize)]
struct Geo {
    width: u32,
    height: u32,
    areas: Vec<Shape>,
}

#[derive(Debug, Deserialize)]
struct Shape {
    /// The kabupaten/kota's id in `keywords/regions.toml`.
    id: String,
    /// Its name in the data set, used when the lists in force do not name it.
    name: String,
    /// Where its marker goes, in view-box units.
    label: [i32; 2],
    /// SVG path data in view-box units.
    d: String,
    /// The same, coarser (a third of the size), for the small maps.
    d_small: String,
}

impl Shape {
    fn path(&self, size: Size) -> &str {
        match size {
            Size::Large => &self.d,
            Size::Small => &self.d_small,
        }
    }
}

static GEO: LazyLock<Geo> = LazyLock::new(|| {
    serde_json::from_str(include_str!("../../assets/geo/kaltim-kabkota.json"))
        .expect("the shipped boundaries parse (tested)")
});

/// The ids of the kabupaten/kota the map draws, in the order it draws them.
pub fn region_ids() -> impl Iterator<Item = &'static str> {
    GEO.areas.iter().map(|a| a.id.as_str())
}

/// One area as a map and its table show it.
struct Row<'a> {
    id: &'a str,
    name: &'a str,
    posts: u64,
    rising: bool,
    shape: Option<&'static Shape>,
}

/// Every kabupaten/kota of the map with its count (0 when `counts` lacks it), then any counted
/// area the map has no shape for (so the table never loses a number).
fn rows(counts: &[RegionCount]) -> Vec<Row<'_>> {
    let mut rows: Vec<Row> = GEO
        .areas
        .iter()
        .map(|shape| {
            let count = counts.iter().find(|c| c.id == shape.id);
            Row {
                id: &shape.id,
                name: count.map_or(&shape.name, |c| &c.name),
                posts: count.map_or(0, |c| c.posts),
                rising: count.is_some_and(|c| c.rising),
                shape: Some(shape),
            }
        })
        .collect();
    for c in counts {
        if !GEO.areas.iter().any(|s| s.id == c.id) {
            rows.push(Row {
                id: &c.id,
                name: &c.name,
                posts: c.posts,
                rising: c.rising,
                shape: None,
            });
        }
    }
    rows
}

/// The classes of the colour scale: the upper bound of each, for counts 1..=`max`. Bounds
/// grow with the square of the class, so a few posts are told apart from none and from many
/// even when one city has most of them.
fn classes(max: u64) -> Vec<u64> {
    let n = max.min(BLUES.len() as u64);
    let mut bounds: Vec<u64> = (1..=n)
        .map(|k| ((max as f64) * (k * k) as f64 / (n * n) as f64).ceil() as u64)
        .collect();
    bounds.dedup();
    bounds
}

/// The fill of `posts` on a scale with `bounds`.
fn fill(posts: u64, bounds: &[u64]) -> &'static str {
    if posts == 0 {
        return ZERO;
    }
    let k = bounds
        .iter()
        .position(|&b| posts <= b)
        .unwrap_or(bounds.len() - 1);
    // With fewer classes than colours, spread them over the whole range.
    let i = match bounds.len() {
        0 | 1 => BLUES.len() - 1,
        n => k * (BLUES.len() - 1) / (n - 1),
    };
    BLUES[i]
}

struct Words {
    title: &'static str,
    posts: &'static str,
    rising: &'static str,
    none: &'static str,
    area_col: &'static str,
    posts_col: &'static str,
}

fn words(lang: Lang) -> Words {
    match lang {
        Lang::Id => Words {
            title: "Peta unggahan isu per kabupaten/kota",
            posts: "unggahan",
            rising: "naik",
            none: "tidak ada",
            area_col: "Kabupaten/kota",
            posts_col: "Unggahan",
        },
        Lang::En => Words {
            title: "Map of issue posts by regency/city",
            posts: "posts",
            rising: "rising",
            none: "none",
            area_col: "Regency/city",
            posts_col: "Posts",
        },
    }
}

/// How large the map is drawn: a small map uses the coarser outlines and larger legend text.
#[derive(Clone, Copy)]
enum Size {
    Large,
    Small,
}

/// The province map (in the briefing's summary and on the dashboard) with a table of every
/// kabupaten/kota's count beside it, most first.
pub fn figure(areas: &[RegionCount], lang: Lang) -> String {
    let w = words(lang);
    let mut html = String::from("<div class=\"peta-wrap\">");
    html.push_str(&choropleth(areas, w.title, Size::Large, lang));
    let mut rows = rows(areas);
    rows.sort_by(|a, b| b.posts.cmp(&a.posts).then(a.name.cmp(b.name)));
    let _ = write!(
        html,
        "<table class=\"list peta-data\"><caption>{}</caption><thead><tr><th>{}</th><th class=\"num\">{}</th></tr></thead><tbody>",
        esc(w.title),
        esc(w.area_col),
        esc(w.posts_col)
    );
    for r in &rows {
        let mark = if r.rising {
            format!(" <span class=\"badge naik\">▲ {}</span>", w.rising)
        } else {
            String::new()
        };
        let _ = write!(
            html,
            "<tr data-region=\"{}\"><td>{}{mark}</td><td class=\"num\">{}</td></tr>",
            esc(r.id),
            esc(r.name),
            r.posts
        );
    }
    html.push_str("</tbody></table></div>");
    html
}

/// A small map of where one issue is talked about; the issue's regions table is its text.
pub fn small(regions: &[RegionCount], issue: &str, lang: Lang) -> String {
    let title = match lang {
        Lang::Id => format!("Peta sebaran isu {issue} per kabupaten/kota"),
        Lang::En => format!("Map of where {issue} is talked about, by regency/city"),
    };
    choropleth(regions, &title, Size::Small, lang)
}

/// The map itself: one path per kabupaten/kota filled by its count, rising areas outlined and
/// marked, and a legend in the empty south-west corner.
fn choropleth(counts: &[RegionCount], title: &str, size: Size, lang: Lang) -> String {
    let w = words(lang);
    let rows = rows(counts);
    let max = rows.iter().map(|r| r.posts).max().unwrap_or(0);
    let bounds = classes(max);
    let (class, font) = match size {
        Size::Large => ("peta", 14),
        Size::Small => ("peta kecil", 15),
    };
    // Read out most first, as the table lists them.
    let mut spoken: Vec<&Row> = rows.iter().collect();
    spoken.sort_by(|a, b| b.posts.cmp(&a.posts).then(a.name.cmp(b.name)));
    let spoken: Vec<String> = spoken
        .iter()
        .map(|r| {
            let mark = if r.rising {
                format!(" ({})", w.rising)
            } else {
                String::new()
            };
            format!("{} {}{mark}", r.name, r.posts)
        })
        .collect();
    let label = format!("{title}: {}", spoken.join(", "));
    let mut svg = format!(
        "<svg class=\"{class}\" viewBox=\"0 0 {} {}\" role=\"img\" aria-label=\"{}\" xmlns=\"http://www.w3.org/2000/svg\"><title>{}</title>\
         <g stroke=\"#ffffff\" stroke-width=\"0.8\" stroke-linejoin=\"round\" fill-rule=\"evenodd\">",
        GEO.width,
        GEO.height,
        esc(&label),
        esc(title)
    );
    for r in &rows {
        let Some(shape) = r.shape else { continue };
        let mark = if r.rising {
            format!(" — {}", w.rising)
        } else {
            String::new()
        };
        let _ = write!(
            svg,
            "<path data-region=\"{}\" data-posts=\"{}\"{} fill=\"{}\" d=\"{}\"><title>{}: {} {}{mark}</title></path>",
            esc(r.id),
            r.posts,
            if r.rising { " data-rising=\"1\"" } else { "" },
            fill(r.posts, &bounds),
            esc(shape.path(size)),
            esc(r.name),
            r.posts,
            w.posts,
        );
    }
    svg.push_str("</g>");
    // Outlines and markers on top of every fill, so a neighbour drawn later cannot hide them.
    let rising: Vec<&Shape> = rows
        .iter()
        .filter(|r| r.rising)
        .filter_map(|r| r.shape)
        .collect();
    if !rising.is_empty() {
        let _ = write!(
            svg,
            "<g fill=\"none\" stroke=\"{HOT}\" stroke-width=\"2\" stroke-linejoin=\"round\" fill-rule=\"evenodd\" aria-hidden=\"true\">"
        );
        for s in &rising {
            let _ = write!(svg, "<path d=\"{}\"/>", esc(s.path(size)));
        }
        let _ = write!(
            svg,
            "</g><g fill=\"{HOT}\" stroke=\"#ffffff\" stroke-width=\"1\" aria-hidden=\"true\">"
        );
        for s in &rising {
            let [x, y] = s.label;
            let _ = write!(svg, "<path d=\"{}\"/>", triangle(x, y, font));
        }
        svg.push_str("</g>");
    }
    legend(&mut svg, &bounds, !rising.is_empty(), font, &w);
    svg.push_str("</svg>");
    svg
}

/// A ▲ marker centred on (x, y), as tall as the legend's text.
fn triangle(x: i32, y: i32, font: i32) -> String {
    let h = font;
    format!("M{} {}l{} {}h{}z", x, y - h / 2, h * 3 / 5, h, -(h * 6 / 5))
}

/// The legend, bottom-left: "tidak ada", each class's range, and the rising marker.
fn legend(svg: &mut String, bounds: &[u64], rising: bool, font: i32, w: &Words) {
    let mut items: Vec<(String, String)> = vec![(ZERO.to_string(), w.none.to_string())];
    let mut low = 1;
    for (k, &high) in bounds.iter().enumerate() {
        let label = if low == high {
            high.to_string()
        } else {
            format!("{low}–{high}")
        };
        let posts = if k == 0 { low } else { high };
        items.push((fill(posts, bounds).to_string(), label));
        low = high + 1;
    }
    let row = font + font / 3;
    let rows = items.len() as i32 + i32::from(rising);
    let mut y = GEO.height as i32 - 4 - rows * row;
    let _ = write!(
        svg,
        "<g class=\"peta-legenda\" font-size=\"{font}\" aria-hidden=\"true\">"
    );
    for (colour, text) in &items {
        let _ = write!(
            svg,
            "<rect x=\"4\" y=\"{y}\" width=\"{font}\" height=\"{}\" fill=\"{colour}\" stroke=\"#8b96a5\" stroke-width=\"0.5\"/><text x=\"{}\" y=\"{}\">{}</text>",
            font - 2,
            8 + font,
            y + font - 2,
            esc(text)
        );
        y += row;
    }
    if rising {
        let _ = write!(
            svg,
            "<path d=\"{}\" fill=\"{HOT}\"/><text x=\"{}\" y=\"{}\">{}</text>",
            triangle(4 + font / 2, y + font / 2 - 1, font),
            8 + font,
            y + font - 2,
            esc(w.rising)
        );
    }
    svg.push_str("</g>");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn area(id: &str, name: &str, posts: u64, rising: bool) -> RegionCount {
        RegionCount {
            id: id.into(),
            name: name.into(),
            posts,
            rising,
        }
    }

    /// (id, posts, rising) of every `<path data-region>` in `svg`, in order.
    fn drawn(svg: &str) -> Vec<(String, u64, bool)> {
        svg.split("<path data-region=\"")
            .skip(1)
            .map(|rest| {
                let id = rest.split('"').next().unwrap().to_string();
                let posts = rest
                    .split("data-posts=\"")
                    .nth(1)
                    .and_then(|r| r.split('"').next())
                    .unwrap()
                    .parse()
                    .unwrap();
                let tag = rest.split('>').next().unwrap();
                (id, posts, tag.contains("data-rising=\"1\""))
            })
            .collect()
    }

    #[test]
    fn the_shipped_boundaries_are_the_ten_kabupaten_kota_of_the_lists() {
        let lists = crate::classify::lists::load_dir(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("keywords"),
        )
        .unwrap();
        let mut want: Vec<&str> = lists
            .regions
            .iter()
            .filter(|r| r.level.is_area())
            .map(|r| r.id.as_str())
            .collect();
        let mut have: Vec<&str> = region_ids().collect();
        want.sort_unstable();
        have.sort_unstable();
        assert_eq!(have, want);
        for shape in &GEO.areas {
            for d in [&shape.d, &shape.d_small] {
                assert!(d.starts_with('M') && d.ends_with('z'), "{}", shape.id);
            }
            let [x, y] = shape.label;
            assert!((0..GEO.width as i32).contains(&x) && (0..GEO.height as i32).contains(&y));
        }
    }

    #[test]
    fn every_area_is_drawn_with_its_count_in_its_title() {
        let counts = [
            area("samarinda", "Kota Samarinda", 12, true),
            area("berau", "Kabupaten Berau", 1, false),
        ];
        let svg = small(&counts, "Banjir", Lang::Id);
        let paths = drawn(&svg);
        assert_eq!(paths.len(), 10);
        assert!(paths.contains(&("samarinda".into(), 12, true)));
        assert!(paths.contains(&("berau".into(), 1, false)));
        assert_eq!(paths.iter().filter(|p| p.1 == 0).count(), 8);
        assert!(svg.contains("<title>Kota Samarinda: 12 unggahan — naik</title>"));
        assert!(svg.contains("<title>Kabupaten Mahakam Ulu: 0 unggahan</title>"));
        assert!(svg.contains("role=\"img\""));
        assert!(svg.contains("aria-label=\"Peta sebaran isu Banjir per kabupaten/kota: "));
        assert!(svg.contains("Kota Samarinda 12 (naik)"));
        // The rising area is outlined and marked on top of the fills.
        assert!(svg.contains(&format!("stroke=\"{HOT}\"")));
        // No post is grey; the fewest posts are the lightest blue, the most the darkest.
        let fill_of = |id: &str| {
            let at = svg.find(&format!("data-region=\"{id}\"")).unwrap();
            svg[at..].split("fill=\"").nth(1).unwrap()[..7].to_string()
        };
        assert_eq!(fill_of("paser"), ZERO);
        assert_eq!(fill_of("berau"), BLUES[0]);
        assert_eq!(fill_of("samarinda"), BLUES[4]);
    }

    #[test]
    fn the_table_lists_all_ten_and_keeps_an_area_the_map_lacks() {
        let counts = [
            area("samarinda", "Kota Samarinda", 5, false),
            area("kota-baru", "Kota Baru", 2, true),
        ];
        let html = figure(&counts, Lang::En);
        assert_eq!(drawn(&html).len(), 10);
        assert_eq!(html.matches("<tr data-region=").count(), 11);
        assert!(html.contains(
            "<td>Kota Baru <span class=\"badge naik\">▲ rising</span></td><td class=\"num\">2</td>"
        ));
        let first = html.find("<tr data-region=\"samarinda\">").unwrap();
        assert!(first < html.find("<tr data-region=\"kota-baru\">").unwrap());
        assert!(html.contains("<caption>Map of issue posts by regency/city</caption>"));
    }

    #[test]
    fn names_are_escaped_in_titles_labels_and_the_table() {
        let counts = [area(
            "samarinda\"><script>",
            "<script>alert(1)</script>",
            4,
            false,
        )];
        let mut counts = counts.to_vec();
        counts.push(area("samarinda", "Kota \"Tepian\" <b>", 1, false));
        let html = figure(&counts, Lang::Id);
        assert!(!html.contains("<script>") && !html.contains("<b>"));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(html.contains("data-region=\"samarinda&quot;&gt;&lt;script&gt;\""));
        assert!(html.contains("<title>Kota &quot;Tepian&quot; &lt;b&gt;: 1 unggahan</title>"));
        assert!(html.contains(
            "aria-label=\"Peta unggahan isu per kabupaten/kota: &lt;script&gt;alert(1)&lt;/script&gt; 4, Kota &quot;Tepian&quot; &lt;b&gt; 1, "
        ));
    }

    #[test]
    fn the_scale_keeps_none_apart_from_few_and_covers_every_count() {
        assert!(classes(0).is_empty());
        assert_eq!(classes(1), [1]);
        assert_eq!(classes(3), [1, 2, 3]);
        assert_eq!(classes(100), [4, 16, 36, 64, 100]);
        for max in 1..200 {
            let bounds = classes(max);
            assert_eq!(*bounds.last().unwrap(), max);
            assert!(bounds.windows(2).all(|w| w[0] < w[1]));
            for posts in 1..=max {
                assert_ne!(fill(posts, &bounds), ZERO);
            }
            assert_eq!(fill(max, &bounds), BLUES[4]);
            if max > 1 {
                assert_eq!(fill(1, &bounds), BLUES[0]);
            }
        }
        // With nothing counted the map is all grey and the legend says so.
        let svg = figure(&[], Lang::Id);
        assert_eq!(drawn(&svg).len(), 10);
        assert!(!svg.contains(BLUES[0]) && svg.contains(">tidak ada</text>"));
    }
}
