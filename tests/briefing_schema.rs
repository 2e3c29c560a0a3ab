//! docs/briefing.schema.json is the contract of the briefing's JSON file: real briefings (the
//! demo's, in Indonesian, and a day's in English) validate against it, and the validator used
//! here rejects what breaks it. The validator is a small hand-written one for the parts of JSON
//! Schema the document uses (a full implementation would cost the build dozens of crates).

mod common;

use common::{pantau_in, repo, stderr};
use serde_json::{Value, json};

/// Validates `value` against `schema` (resolving `$ref` in `root`), pushing one message per
/// violation with its JSON path.
fn validate(root: &Value, schema: &Value, value: &Value, path: &str, errors: &mut Vec<String>) {
    if let Some(target) = schema.get("$ref").and_then(Value::as_str) {
        let name = target
            .strip_prefix("#/$defs/")
            .unwrap_or_else(|| panic!("unsupported $ref {target}"));
        let def = &root["$defs"][name];
        assert!(def.is_object(), "$ref to a missing definition {target}");
        return validate(root, def, value, path, errors);
    }
    if let Some(types) = schema.get("type") {
        let allowed: Vec<&str> = match types {
            Value::String(t) => vec![t.as_str()],
            Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
            _ => panic!("bad type at {path}"),
        };
        let fits = |t: &str| match t {
            "object" => value.is_object(),
            "array" => value.is_array(),
            "string" => value.is_string(),
            "integer" => value.is_i64() || value.is_u64(),
            "number" => value.is_number(),
            "boolean" => value.is_boolean(),
            "null" => value.is_null(),
            other => panic!("unsupported type {other}"),
        };
        if !allowed.iter().any(|t| fits(t)) {
            errors.push(format!("{path}: {value} is not {allowed:?}"));
            return;
        }
    }
    if let Some(options) = schema.get("enum").and_then(Value::as_array)
        && !options.contains(value)
    {
        errors.push(format!("{path}: {value} is not one of {options:?}"));
    }
    if let (Some(min), Some(n)) = (
        schema.get("minimum").and_then(Value::as_f64),
        value.as_f64(),
    ) && n < min
    {
        errors.push(format!("{path}: {n} < minimum {min}"));
    }
    if let Some(s) = value.as_str() {
        if let Some(pattern) = schema.get("pattern").and_then(Value::as_str)
            && !regex::Regex::new(pattern).unwrap().is_match(s)
        {
            errors.push(format!("{path}: {s:?} does not match {pattern}"));
        }
        if schema.get("format").and_then(Value::as_str) == Some("date-time")
            && s.parse::<jiff::Timestamp>().is_err()
        {
            errors.push(format!("{path}: {s:?} is not an RFC 3339 date-time"));
        }
    }
    if let Some(items) = value.as_array() {
        if let Some(min) = schema.get("minItems").and_then(Value::as_u64)
            && (items.len() as u64) < min
        {
            errors.push(format!("{path}: {} items < minItems {min}", items.len()));
        }
        if let Some(max) = schema.get("maxItems").and_then(Value::as_u64)
            && (items.len() as u64) > max
        {
            errors.push(format!("{path}: {} items > maxItems {max}", items.len()));
        }
        if let Some(item_schema) = schema.get("items") {
            for (i, item) in items.iter().enumerate() {
                validate(root, item_schema, item, &format!("{path}[{i}]"), errors);
            }
        }
    }
    if let Some(object) = value.as_object() {
        let props = schema.get("properties").and_then(Value::as_object);
        for key in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            if !object.contains_key(key) {
                errors.push(format!("{path}: required field {key:?} missing"));
            }
        }
        for (key, field) in object {
            match props.and_then(|p| p.get(key)) {
                Some(sub) => validate(root, sub, field, &format!("{path}.{key}"), errors),
                None if schema.get("additionalProperties") == Some(&Value::Bool(false)) => {
                    errors.push(format!("{path}: field {key:?} is not in the schema"))
                }
                None => {}
            }
        }
    }
}

fn errors_of(schema: &Value, value: &Value) -> Vec<String> {
    let mut errors = Vec::new();
    validate(schema, schema, value, "$", &mut errors);
    errors
}

fn schema() -> Value {
    serde_json::from_str(
        &std::fs::read_to_string(repo().join("docs/briefing.schema.json"))
            .expect("docs/briefing.schema.json exists"),
    )
    .expect("the schema is JSON")
}

/// Every property in the schema says what it means: the schema is the documentation.
fn undocumented(schema: &Value, path: &str, out: &mut Vec<String>) {
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        for (key, sub) in props {
            let here = format!("{path}.{key}");
            let described = sub.get("description").is_some() || sub.get("$ref").is_some();
            if !described {
                out.push(here.clone());
            }
            undocumented(sub, &here, out);
            if let Some(items) = sub.get("items") {
                undocumented(items, &format!("{here}[]"), out);
            }
        }
    }
    if let Some(defs) = schema.get("$defs").and_then(Value::as_object) {
        for (name, def) in defs {
            undocumented(def, &format!("$defs.{name}"), out);
        }
    }
}

/// The demo's briefing (Indonesian) and the previous day's in English, as `pantau demo` and
/// `pantau digest --lang en` write them, hold exactly what the schema documents.
#[test]
fn real_briefings_match_the_documented_schema() {
    let schema = schema();
    let mut missing = Vec::new();
    undocumented(&schema, "$", &mut missing);
    assert!(missing.is_empty(), "undocumented fields: {missing:?}");

    let tmp = tempfile::tempdir().unwrap();
    let demo = tmp.path().join("demo");
    let db = common::test_database();
    let out = common::demo_in(tmp.path(), &demo, db.as_ref());
    assert!(out.status.success(), "{}", stderr(&out));
    let config = demo.join("config/default.toml");
    let english = tmp.path().join("en");
    let out = pantau_in(
        tmp.path(),
        &[
            "--config",
            config.to_str().unwrap(),
            "digest",
            "--lang",
            "en",
            "--out",
            english.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    // The week and the month holding today (the demo's posts are of the last 24 hours).
    let periods = tmp.path().join("periods");
    let today = pantau::time::local_date(
        jiff::Timestamp::now(),
        &jiff::tz::TimeZone::get("Asia/Makassar").unwrap(),
    )
    .to_string();
    for period in ["week", "month"] {
        let out = pantau_in(
            tmp.path(),
            &[
                "--config",
                config.to_str().unwrap(),
                "digest",
                "--period",
                period,
                "--date",
                &today,
                "--out",
                periods.to_str().unwrap(),
            ],
        );
        assert!(out.status.success(), "{}", stderr(&out));
    }

    let mut checked = 0;
    for dir in [demo.join("briefings"), english, periods] {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().and_then(|e| e.to_str()) != Some("json") {
                continue;
            }
            let briefing: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
            let errors = errors_of(&schema, &briefing);
            assert!(
                errors.is_empty(),
                "{} breaks the schema:\n{}",
                path.display(),
                errors.join("\n")
            );
            // What the schema cannot say: the summary names issues, and `daily` ends with the
            // period's own count.
            let issues = briefing["issues"].as_array().unwrap();
            assert!(
                !issues.is_empty(),
                "{}: the demo has issues",
                path.display()
            );
            for id in briefing["summary"].as_array().unwrap() {
                assert!(
                    issues
                        .iter()
                        .any(|i| &i["topic"] == id && i["in_summary"] == true)
                );
            }
            // The telaahan's six sections each say something, about the briefing's own issues.
            for section in [
                "persoalan",
                "praanggapan",
                "fakta",
                "analisis",
                "kesimpulan",
                "saran",
            ] {
                let points = briefing["telaahan"][section].as_array().unwrap();
                assert!(!points.is_empty(), "{}: {section}", path.display());
                for p in points {
                    assert!(!p["text"].as_str().unwrap().is_empty(), "{p}");
                    if let Some(topic) = p["topic"].as_str() {
                        assert!(issues.iter().any(|i| i["topic"] == topic), "{p}");
                    }
                }
            }
            // A day's chart ends with its own count; a week's or month's days add up to it.
            let daily_kind = briefing["period"]["kind"] == "day";
            assert_eq!(daily_kind, briefing.get("comparison").is_none());
            for issue in issues {
                let daily = issue["daily"].as_array().unwrap();
                if daily_kind {
                    assert_eq!(daily.last().unwrap()["posts"], issue["posts"], "{issue}");
                } else {
                    let sum: u64 = daily.iter().map(|d| d["posts"].as_u64().unwrap()).sum();
                    assert_eq!(json!(sum), issue["posts"], "{issue}");
                }
            }
            checked += 1;
        }
    }
    assert_eq!(
        checked, 4,
        "one daily briefing in each language, a week and a month"
    );
}

/// The validator is not a rubber stamp: each kind of break is reported at its path.
#[test]
fn the_validator_rejects_what_breaks_the_schema() {
    let schema = schema();
    let minimal = json!({
        "office": "Diskominfo", "title": "T", "number": "PANTAU/TELAAH/20261204",
        "date": "2026-12-04", "date_label": "Jumat, 4 Desember 2026", "language": "id",
        "timezone": "Asia/Makassar", "timezone_label": "WITA",
        "period": {"start": "2026-12-03T16:00:00Z", "end": "2026-12-04T16:00:00Z", "label": "x"},
        "generated_at": "2026-12-05T07:00:00Z", "generated_label": "x", "keywords_version": "v",
        "totals": {"posts": 0, "tagged_posts": 0, "issues": 0, "sources": 1, "sources_failed": 0},
        "summary": [], "issues": [], "areas": [],
        "sources": [{"id": "a", "name": "A", "ok": true, "consecutive_failures": 0,
                     "last_success_label": null, "last_error": null}],
        "method": ["m"]
    });
    assert_eq!(errors_of(&schema, &minimal), Vec::<String>::new());
    let broken = |edit: &dyn Fn(&mut Value)| {
        let mut v = minimal.clone();
        edit(&mut v);
        errors_of(&schema, &v)
    };
    let cases: Vec<(&str, Vec<String>)> = vec![
        (
            "$: required field \"office\" missing",
            broken(&|v| {
                v.as_object_mut().unwrap().remove("office");
            }),
        ),
        (
            "$.language: \"fr\" is not one of",
            broken(&|v| v["language"] = json!("fr")),
        ),
        (
            "$.number: \"12\" does not match",
            broken(&|v| v["number"] = json!("12")),
        ),
        (
            "$.totals.posts: -1 < minimum 0",
            broken(&|v| v["totals"]["posts"] = json!(-1)),
        ),
        (
            "$.period.start: \"kemarin\" is not an RFC 3339",
            broken(&|v| v["period"]["start"] = json!("kemarin")),
        ),
        (
            "$.sources[0]: field \"extra\" is not in the schema",
            broken(&|v| v["sources"][0]["extra"] = json!(1)),
        ),
        (
            "$.telaahan.fakta[0]: required field \"rule\" missing",
            broken(&|v| {
                let point = json!({"topic": null, "text": "x"});
                v["telaahan"] = json!({"persoalan": [], "praanggapan": [], "fakta": [point],
                                       "analisis": [], "kesimpulan": [], "saran": []});
            }),
        ),
        (
            "$.sources[0].ok: \"ya\" is not [\"boolean\"]",
            broken(&|v| v["sources"][0]["ok"] = json!("ya")),
        ),
    ];
    for (want, errors) in cases {
        assert!(
            errors.iter().any(|e| e.starts_with(want)),
            "want {want:?}, got {errors:?}"
        );
    }
}
