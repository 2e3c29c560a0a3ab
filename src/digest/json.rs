//! The JSON briefing, for other systems: the [`Briefing`] structure as it is, pretty-printed.
//! Field names are part of the contract (see README "Briefing JSON").

use super::Briefing;

pub fn render(b: &Briefing) -> String {
    let mut text = serde_json::to_string_pretty(b).expect("a briefing always serialises");
    text.push('\n');
    text
}
