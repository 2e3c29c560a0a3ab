//! The examples inside each topic file (`[examples] match`, `no_match`), run against the
//! built [`Classifier`]: `pantau keywords check` and every reload run them, and each failure
//! is a [`ListError`] at the example's line, saying why it failed and what to change. A `match`
//! example must be *about* the topic (role `primary`), a `no_match` example must not be.

use super::Classifier;
use super::document::Document;
use super::lists::{Example, ListError, TopicDef};
use super::tags::{Classification, TopicHit};

impl Classifier {
    /// Runs every topic's examples; each failure is an error at the example's line.
    pub fn check_examples(&self) -> Vec<ListError> {
        let mut errors = Vec::new();
        for (i, topic) in self.topics.iter().enumerate() {
            for ex in &topic.examples_match {
                errors.extend(self.missed(i, topic, ex));
            }
            for ex in &topic.examples_no_match {
                errors.extend(self.tagged_wrongly(i, topic, ex));
            }
        }
        errors
    }

    /// An example as the classifier sees a post.
    fn run_example(&self, e: &Example) -> Classification {
        let p = &e.post;
        let d = Document {
            title: p.title.as_deref(),
            text: &p.text,
            source: p.source.as_deref(),
            author: p.author.as_deref(),
            lang: p.lang.as_deref(),
        };
        self.classify(&d, None)
    }

    /// A `match` example that topic `i` does not tag, with the exclusion or the narrower
    /// topic that took it when one did.
    fn missed(&self, i: usize, topic: &TopicDef, ex: &Example) -> Option<ListError> {
        let c = self.run_example(ex);
        let found = c.topics.iter().find(|t| t.topic == i);
        if found.is_some_and(TopicHit::primary) {
            return None;
        }
        let vetoed = c.vetoed.iter().find(|t| t.topic == i);
        let yielded = c.yielded.iter().find(|(t, _)| t.topic == i);
        let why = match (vetoed, yielded) {
            _ if let Some(s) = found.and_then(|t| t.salience.as_ref()) => format!(
                "; topik itu hanya disebut, bukan pokok unggahan ({})",
                s.reason.text()
            ),
            (Some(v), _) => format!(
                "; dikecualikan oleh \"{}\"",
                v.matches.last().map_or("", |m| m.text.as_str())
            ),
            (None, Some((_, n))) => format!(
                "; memberi tempat kepada topik yang lebih khusus \"{}\" (narrower)",
                self.topics[*n].id
            ),
            (None, None) => String::new(),
        };
        Some(ListError {
            path: topic.file.clone(),
            line: ex.line,
            col: ex.col,
            message: format!(
                "contoh match \"{}\" tidak cocok dengan aturan topik \"{}\"{why}",
                ex.shown(),
                topic.id
            ),
            hint: Some(
                "tambahkan istilah yang dipakai contoh itu ke any atau query, atau perbaiki contohnya; \
                 `pantau classify --explain \"…\"` menunjukkan apa yang cocok"
                    .into(),
            ),
            context: None,
        })
    }

    /// A `no_match` example that topic `i` tags all the same, with the words that did it.
    fn tagged_wrongly(&self, i: usize, topic: &TopicDef, ex: &Example) -> Option<ListError> {
        let c = self.run_example(ex);
        // Only named, it is not what the example is about, which is what no_match says.
        let hit = c.topics.iter().find(|t| t.topic == i && t.primary())?;
        let words: Vec<&str> = hit.matches.iter().map(|m| m.text.as_str()).collect();
        Some(ListError {
            path: topic.file.clone(),
            line: ex.line,
            col: ex.col,
            message: format!(
                "contoh no_match \"{}\" ikut tertandai topik \"{}\" (oleh \"{}\")",
                ex.shown(),
                topic.id,
                words.join("\", \"")
            ),
            hint: Some("tambahkan frasa pengecualian ke exclude, atau persempit istilahnya".into()),
            context: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::classifier;

    #[test]
    fn failing_examples_are_reported() {
        let topic = "name = \"B\"\nany = [\"banjir\"]\n[examples]\nmatch = [\"air pasang\"]\nno_match = [\"banjir promo\"]\n";
        let c = classifier(&[("b", topic)]);
        let errors = c.check_examples();
        assert_eq!(errors.len(), 2);
        assert_eq!((errors[0].line, errors[0].col), (4, 10));
        assert!(errors[1].message.contains("ikut tertandai"));
    }

    #[test]
    fn examples_may_carry_fields() {
        let topic = r#"
name = "T"
query = 'title:banjir'
[examples]
match = [{ title = "Banjir lagi", text = "air naik" }]
no_match = ["banjir di isi saja"]
"#;
        let c = classifier(&[("t", topic)]);
        assert!(c.check_examples().is_empty(), "{:?}", c.check_examples());
    }
}
