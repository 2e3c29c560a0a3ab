//! The shape of `src/` as docs/architecture.md states it: its table of layers is read here,
//! and every import of the crate is checked against it.
//!
//! - **Layers point one way.** A module may use the modules of the layers below its own, and
//!   those listed before it in its own layer; never one above. Every top-level module of
//!   `src/lib.rs` must be in the table, so a new module is placed on purpose.
//! - **No import cycle between files.** Files may not import each other in a circle. A
//!   module's face (`mod.rs`) and the files inside that module are one unit: the face
//!   re-exports its children and children use the face's items, which is no circle.
//!
//! Imports are read as text: `use` statements (with their `{…}` groups) and inline paths
//! (`crate::a::b`, `super::x`, `self::y`), outside comments and string literals. A path names
//! the file of the longest module it starts with. Code built only for tests
//! (`#[cfg(test)] mod …`) is left out: it is no part of the product's structure.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The layers of docs/architecture.md, bottom first: each a list of top-level modules.
fn layers() -> Vec<Vec<String>> {
    let doc = std::fs::read_to_string(repo().join("docs/architecture.md"))
        .expect("docs/architecture.md exists");
    let section = doc
        .split("\n## Layers")
        .nth(1)
        .expect("docs/architecture.md has a `## Layers` section");
    let section = section.split("\n## ").next().unwrap_or(section);
    section
        .lines()
        .filter(|l| l.starts_with('|') && l.contains('`'))
        .map(|row| {
            let cells: Vec<&str> = row.split('|').collect();
            let modules = cells.get(2).copied().unwrap_or_default();
            modules
                .split('`')
                .skip(1)
                .step_by(2)
                .map(str::to_string)
                .collect()
        })
        .collect()
}

/// A source file and the module path it defines (`sources::feed` for src/sources/feed/mod.rs).
struct File {
    path: PathBuf,
    module: Vec<String>,
    /// `mod.rs`, or the crate root: the face of a module with children.
    face: bool,
}

fn files() -> Vec<File> {
    let mut out = Vec::new();
    walk(&repo().join("src"), &mut out);
    out.retain(|f| !f.path.ends_with("main.rs"));
    // Modules declared only for tests (`#[cfg(test)] mod testing;`) are no part of it.
    let test_only: Vec<Vec<String>> = out
        .iter()
        .flat_map(|f| {
            let text = std::fs::read_to_string(&f.path).unwrap();
            let parent = f.module.clone();
            test_modules(&text)
                .into_iter()
                .map(move |name| [parent.clone(), vec![name]].concat())
        })
        .collect();
    out.retain(|f| !test_only.contains(&f.module));
    out
}

/// The modules a file declares for tests only: `#[cfg(test)]` followed by `mod name;`.
fn test_modules(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut lines = text.lines().map(str::trim);
    while let Some(line) = lines.next() {
        if line == "#[cfg(test)]"
            && let Some(next) = lines.next()
            && let Some(name) = next
                .strip_prefix("mod ")
                .or_else(|| next.strip_prefix("pub(crate) mod "))
                .and_then(|n| n.strip_suffix(';'))
        {
            out.push(name.trim().to_string());
        }
    }
    out
}

/// The text without its test-only blocks (`#[cfg(test)] mod tests { … }`).
fn without_tests(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("#[cfg(test)]") {
        out.push_str(&rest[..at]);
        let after = &rest[at..];
        let Some(open) = after.find(['{', ';']) else {
            return out;
        };
        if after.as_bytes()[open] == b';' {
            rest = &after[open + 1..];
            continue;
        }
        let mut depth = 0;
        let mut end = after.len();
        for (i, c) in after[open..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = open + i + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

fn walk(dir: &Path, out: &mut Vec<File>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            walk(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let rel = path.strip_prefix(repo().join("src")).unwrap();
            let mut module: Vec<String> = rel
                .with_extension("")
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            let face = matches!(module.last().map(String::as_str), Some("mod" | "lib"));
            if face {
                module.pop();
            }
            out.push(File { path, module, face });
        }
    }
}

/// The text of a file without comments and without the insides of string literals.
fn code(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let rest = &text[i..];
        if rest.starts_with("//") {
            i += rest.find('\n').unwrap_or(rest.len());
        } else if rest.starts_with("/*") {
            i += rest.find("*/").map_or(rest.len(), |e| e + 2);
        } else if let Some(hashes) = raw_string_start(rest) {
            let close = format!("\"{}", "#".repeat(hashes));
            let body = 2 + hashes;
            i += body
                + rest[body..]
                    .find(&close)
                    .map_or(rest.len() - body, |e| e + close.len());
            out.push_str("\"\"");
        } else if rest.starts_with('"') {
            let mut j = 1;
            while j < rest.len() {
                match rest.as_bytes()[j] {
                    b'\\' => j += 2,
                    b'"' => break,
                    _ => j += 1,
                }
            }
            i += (j + 1).min(rest.len());
            out.push_str("\"\"");
        } else if rest.starts_with('\'') && rest[1..].chars().nth(1) == Some('\'') {
            // A char literal such as '"' or '{'.
            let len = 1 + rest[1..].chars().next().unwrap().len_utf8() + 1;
            i += len;
            out.push_str("' '");
        } else if let Some(escaped) = rest.strip_prefix("'\\") {
            i += escaped.find('\'').map_or(rest.len(), |e| e + 3);
            out.push_str("' '");
        } else {
            let c = rest.chars().next().unwrap();
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// `r"`, `r#"`, `br"`…: the number of `#`s of a raw string starting here.
fn raw_string_start(s: &str) -> Option<usize> {
    let s = s.strip_prefix('b').unwrap_or(s);
    let s = s.strip_prefix('r')?;
    let hashes = s.len() - s.trim_start_matches('#').len();
    s[hashes..].starts_with('"').then_some(hashes)
}

/// Every path the code names: `use` trees expanded, and inline `crate::`/`super::`/`self::`
/// paths.
fn paths(code: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("use ") {
        let before = rest[..at].chars().last();
        let tail = &rest[at + 4..];
        rest = tail;
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let Some(end) = tail.find(';') else { break };
        expand(Vec::new(), tail[..end].trim(), &mut out);
    }
    for start in ["crate::", "super::", "self::"] {
        let mut rest = code;
        while let Some(at) = rest.find(start) {
            let before = rest[..at].chars().last();
            let path: String = rest[at..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            rest = &rest[at + start.len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            out.push(segments(&path));
        }
    }
    out
}

fn segments(path: &str) -> Vec<String> {
    path.split("::")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// Expands a `use` tree (`a::{b, c::{d, e}}`) into its paths.
fn expand(prefix: Vec<String>, tree: &str, out: &mut Vec<Vec<String>>) {
    let tree = tree.trim();
    match tree.find('{') {
        None => {
            let mut path = prefix;
            let head = tree.split(" as ").next().unwrap_or(tree);
            path.extend(segments(head));
            out.push(path);
        }
        Some(open) => {
            let mut path = prefix;
            path.extend(segments(&tree[..open]));
            let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
            let mut depth = 0;
            let mut start = 0;
            for (i, c) in inner.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        expand(path.clone(), &inner[start..i], out);
                        start = i + 1;
                    }
                    _ => {}
                }
            }
            if !inner[start..].trim().is_empty() {
                expand(path, &inner[start..], out);
            }
        }
    }
}

/// The module a path names from `file` (relative paths resolved), and the index of the file
/// that defines the longest module it starts with.
fn target(file: &File, path: &[String], modules: &HashMap<Vec<String>, usize>) -> Option<usize> {
    // The file's own module is `self`; `super` is its parent.
    let mut here = file.module.clone();
    let mut abs: Vec<String> = Vec::new();
    let mut rest = path;
    match rest.first().map(String::as_str) {
        Some("crate") => rest = &rest[1..],
        Some("self") => {
            abs = here;
            rest = &rest[1..];
        }
        Some("super") => {
            while rest.first().map(String::as_str) == Some("super") {
                here.pop();
                rest = &rest[1..];
            }
            abs = here;
        }
        // A child module named without a prefix (`feed::Spec` in sources/mod.rs).
        Some(_) if file.face => abs = file.module.clone(),
        _ => return None,
    }
    abs.extend(rest.iter().cloned());
    (1..=abs.len())
        .rev()
        .find_map(|n| modules.get(&abs[..n]).copied())
}

struct Graph {
    files: Vec<File>,
    edges: BTreeMap<usize, BTreeSet<usize>>,
}

fn graph() -> Graph {
    let files = files();
    let modules: HashMap<Vec<String>, usize> = files
        .iter()
        .enumerate()
        .map(|(i, f)| (f.module.clone(), i))
        .collect();
    let mut edges: BTreeMap<usize, BTreeSet<usize>> = BTreeMap::new();
    for (i, file) in files.iter().enumerate() {
        let text = std::fs::read_to_string(&file.path).unwrap();
        for path in paths(&without_tests(&code(&text))) {
            if let Some(t) = target(file, &path, &modules)
                && t != i
            {
                edges.entry(i).or_default().insert(t);
            }
        }
    }
    Graph { files, edges }
}

fn shown(file: &File) -> String {
    file.path
        .strip_prefix(repo())
        .unwrap()
        .display()
        .to_string()
}

#[test]
fn every_module_has_a_layer_and_layers_point_one_way() {
    let layers = layers();
    let order: Vec<&String> = layers.iter().flatten().collect();
    let rank: HashMap<&str, (usize, usize)> = layers
        .iter()
        .enumerate()
        .flat_map(|(l, row)| {
            row.iter()
                .enumerate()
                .map(move |(i, m)| (m.as_str(), (l, i)))
        })
        .collect();
    assert_eq!(
        rank.len(),
        order.len(),
        "a module is listed twice: {order:?}"
    );
    let graph = graph();
    let top: BTreeSet<&str> = graph
        .files
        .iter()
        .filter_map(|f| f.module.first().map(String::as_str))
        .collect();
    let unplaced: Vec<&&str> = top.iter().filter(|m| !rank.contains_key(**m)).collect();
    assert!(
        unplaced.is_empty(),
        "modules missing from docs/architecture.md's layers: {unplaced:?}"
    );
    let mut wrong = Vec::new();
    for (&from, targets) in &graph.edges {
        let a = &graph.files[from];
        for &to in targets {
            let b = &graph.files[to];
            let (Some(ma), Some(mb)) = (a.module.first(), b.module.first()) else {
                continue;
            };
            if ma != mb && rank[ma.as_str()] < rank[mb.as_str()] {
                wrong.push(format!(
                    "{} uses {} ({ma} is below {mb})",
                    shown(a),
                    shown(b)
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports that point up:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn no_import_cycle_between_files() {
    let graph = graph();
    // A face and the files inside its module are one unit.
    let one_unit = |a: &File, b: &File| {
        (a.face && b.module.starts_with(&a.module)) || (b.face && a.module.starts_with(&b.module))
    };
    let mut edges: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (&from, targets) in &graph.edges {
        for &to in targets {
            if !one_unit(&graph.files[from], &graph.files[to]) {
                edges.entry(from).or_default().push(to);
            }
        }
    }
    let cycles = strongly_connected(graph.files.len(), &edges);
    let shown: Vec<String> = cycles
        .iter()
        .map(|c| {
            c.iter()
                .map(|&i| shown(&graph.files[i]))
                .collect::<Vec<_>>()
                .join(" ↔ ")
        })
        .collect();
    assert!(
        shown.is_empty(),
        "files importing each other:\n{}",
        shown.join("\n")
    );
}

/// The strongly connected components of more than one file (Tarjan's algorithm).
fn strongly_connected(n: usize, edges: &BTreeMap<usize, Vec<usize>>) -> Vec<Vec<usize>> {
    struct State<'a> {
        edges: &'a BTreeMap<usize, Vec<usize>>,
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        on_stack: Vec<bool>,
        stack: Vec<usize>,
        next: usize,
        out: Vec<Vec<usize>>,
    }
    fn visit(s: &mut State<'_>, v: usize) {
        s.index[v] = Some(s.next);
        s.low[v] = s.next;
        s.next += 1;
        s.stack.push(v);
        s.on_stack[v] = true;
        for &w in s.edges.get(&v).map(Vec::as_slice).unwrap_or_default() {
            match s.index[w] {
                None => {
                    visit(s, w);
                    s.low[v] = s.low[v].min(s.low[w]);
                }
                Some(i) if s.on_stack[w] => s.low[v] = s.low[v].min(i),
                Some(_) => {}
            }
        }
        if Some(s.low[v]) == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack[w] = false;
                component.push(w);
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                s.out.push(component);
            }
        }
    }
    let mut s = State {
        edges,
        index: vec![None; n],
        low: vec![0; n],
        on_stack: vec![false; n],
        stack: Vec::new(),
        next: 0,
        out: Vec::new(),
    };
    for v in 0..n {
        if s.index[v].is_none() {
            visit(&mut s, v);
        }
    }
    s.out
}

#[test]
fn the_reader_of_imports_reads_them() {
    let text = "use crate::a::{b, c::{d, e as f}};\n// use crate::x;\nlet s = \"crate::y\";\nsuper::z::w();";
    let found: BTreeSet<String> = paths(&code(text)).iter().map(|p| p.join("::")).collect();
    for want in [
        "crate::a::b",
        "crate::a::c::d",
        "crate::a::c::e",
        "super::z::w",
    ] {
        assert!(found.contains(want), "{want} in {found:?}");
    }
    assert!(
        !found
            .iter()
            .any(|p| p.contains('x') || p.contains('y') || p.contains('f'))
    );
}
