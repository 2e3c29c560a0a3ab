//! Text for people: numbers in the reader's language and one-line excerpts of posts. Used by
//! the briefing, the trend reasons, the alerts and the commands alike.

use crate::time::Lang;

/// `4,2` in Indonesian, `4.2` in English.
pub fn format_decimal(x: f64, lang: Lang) -> String {
    let s = format!("{:.1}", x);
    let s = s.strip_suffix(".0").map(str::to_owned).unwrap_or(s);
    match lang {
        Lang::Id => s.replace('.', ","),
        Lang::En => s,
    }
}

/// A count with its noun in the reader's language: `1 post`, `5 posts`, `5 unggahan`
/// (Indonesian nouns do not change with the number). `noun` is one of the keys below; an
/// unknown key is printed as it is.
pub fn count(n: u64, noun: &str, lang: Lang) -> String {
    let (id, one, many) = match noun {
        "posts" => ("unggahan", "post", "posts"),
        "stories" => ("cerita", "story", "stories"),
        "sources" => ("sumber", "source", "sources"),
        "regions" => ("kab/kota", "regency/city", "regencies/cities"),
        "kinds" => ("jenis sumber", "source kind", "source kinds"),
        "accounts" => ("akun", "account", "accounts"),
        "issues" => ("isu", "issue", "issues"),
        "failures" => (
            "kegagalan beruntun",
            "consecutive failure",
            "consecutive failures",
        ),
        other => (other, other, other),
    };
    let word = match lang {
        Lang::Id => id,
        Lang::En if n == 1 => one,
        Lang::En => many,
    };
    format!("{n} {word}")
}

/// A whole number with its thousands grouped as the reader writes them: `300.000` in
/// Indonesian, `300,000` in English.
pub fn thousands(n: u64, lang: Lang) -> String {
    let digits = n.to_string();
    let mark = match lang {
        Lang::Id => '.',
        Lang::En => ',',
    };
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(mark);
        }
        out.push(c);
    }
    out
}

/// The first `max` characters of a text on one line, cut at a word.
pub fn excerpt(text: &str, max: usize) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        return flat;
    }
    let cut: String = flat.chars().take(max).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head);
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_grouped_as_each_language_writes_them() {
        assert_eq!(thousands(0, Lang::Id), "0");
        assert_eq!(thousands(999, Lang::Id), "999");
        assert_eq!(thousands(1_000, Lang::Id), "1.000");
        assert_eq!(thousands(300_000, Lang::Id), "300.000");
        assert_eq!(thousands(1_234_567, Lang::En), "1,234,567");
    }

    #[test]
    fn numbers_and_excerpts_read_well() {
        assert_eq!(format_decimal(4.25, Lang::Id), "4,2");
        assert_eq!(format_decimal(3.0, Lang::Id), "3");
        assert_eq!(format_decimal(4.25, Lang::En), "4.2");
        assert_eq!(count(1, "posts", Lang::En), "1 post");
        assert_eq!(count(2, "stories", Lang::En), "2 stories");
        assert_eq!(count(1, "regions", Lang::En), "1 regency/city");
        assert_eq!(count(1, "posts", Lang::Id), "1 unggahan");
        assert_eq!(count(7, "sources", Lang::Id), "7 sumber");
        assert_eq!(excerpt("satu  dua\ntiga", 50), "satu dua tiga");
        assert_eq!(excerpt("satu dua tiga empat", 12), "satu dua…");
    }
}
