//! X API v2 as Pantau reads it: the request addresses (recent search, an account's timeline,
//! the username lookup), the response shapes (`data`, `includes.users`, `meta`), and what a
//! refused answer means (rate limit, usage cap, token, stale `since_id`), after X's reference
//! at docs.x.com ("Search Posts", "User Posts timeline", "Rate limits", "Response codes and
//! errors", "Pagination").

use std::collections::HashMap;
use std::time::Duration;

use jiff::Timestamp;
use serde::Deserialize;
use serde_json::Value;
use url::Url;

use crate::sources::http::{ApiResponse, retry_after};

/// Post fields asked for: what a post shows and its reach. `referenced_tweets` tells a repost
/// apart; `note_tweet` holds the whole text of a post longer than 280 characters.
pub const TWEET_FIELDS: &str =
    "created_at,author_id,lang,public_metrics,referenced_tweets,note_tweet";
/// Author fields, through `expansions=author_id`.
pub const USER_FIELDS: &str = "username,name,public_metrics";

/// The largest page both endpoints serve.
pub const MAX_RESULTS: u64 = 100;

/// A usage cap has no reset header; it is asked again after this.
pub const USAGE_CAP_WAIT: i64 = 24 * 3600;

/// When X names no reset, the length of its rate-limit window.
const WINDOW: i64 = 15 * 60;

/// What a stream reads.
#[derive(Debug, Clone, PartialEq)]
pub enum Endpoint {
    /// `GET /2/tweets/search/recent?query=…`
    Search(String),
    /// `GET /2/users/:id/tweets`
    Timeline(String),
}

impl Endpoint {
    /// The smallest `max_results` X accepts here (10 for search, 5 for a timeline).
    pub fn min_results(&self) -> u64 {
        match self {
            Endpoint::Search(_) => 10,
            Endpoint::Timeline(_) => 5,
        }
    }
}

/// Where one page is read. The bounds and the page token are X's: `since_id`/`until_id`
/// exclusive; the token is `next_token` on search and `pagination_token` on a timeline.
#[derive(Debug, Clone, Default)]
pub struct Bounds<'a> {
    pub since_id: Option<&'a str>,
    pub until_id: Option<&'a str>,
    pub token: Option<&'a str>,
}

/// The address of one page of `endpoint` with at most `max_results` posts.
pub fn page_url(base: &Url, endpoint: &Endpoint, max_results: u64, bounds: &Bounds) -> Url {
    let mut url = base_path(base);
    let token_name = match endpoint {
        Endpoint::Search(_) => {
            segments(&mut url, &["2", "tweets", "search", "recent"]);
            "next_token"
        }
        Endpoint::Timeline(id) => {
            segments(&mut url, &["2", "users", id, "tweets"]);
            "pagination_token"
        }
    };
    {
        let mut q = url.query_pairs_mut();
        if let Endpoint::Search(query) = endpoint {
            q.append_pair("query", query);
            q.append_pair("sort_order", "recency");
        }
        q.append_pair("max_results", &max_results.to_string());
        q.append_pair("tweet.fields", TWEET_FIELDS);
        q.append_pair("expansions", "author_id");
        q.append_pair("user.fields", USER_FIELDS);
        if let Some(id) = bounds.since_id {
            q.append_pair("since_id", id);
        }
        if let Some(id) = bounds.until_id {
            q.append_pair("until_id", id);
        }
        if let Some(token) = bounds.token {
            q.append_pair(token_name, token);
        }
    }
    url
}

/// The address resolving up to 100 `usernames` to users (`GET /2/users/by`).
pub fn users_url(base: &Url, usernames: &[&str]) -> Url {
    let mut url = base_path(base);
    segments(&mut url, &["2", "users", "by"]);
    url.query_pairs_mut()
        .append_pair("usernames", &usernames.join(","))
        .append_pair("user.fields", USER_FIELDS);
    url
}

fn base_path(base: &Url) -> Url {
    let mut url = base.clone();
    url.set_query(None);
    url.set_fragment(None);
    url
}

fn segments(url: &mut Url, parts: &[&str]) {
    let mut path = url
        .path_segments_mut()
        .expect("an http(s) base always has a path");
    path.pop_if_empty();
    path.extend(parts);
}

/// One page of posts. `data` is absent when nothing matched (`{"meta":{"result_count":0}}`);
/// `meta` is always there, so a body without it is not X's answer.
#[derive(Debug, Deserialize)]
pub struct Page {
    /// Posts, each mapped on its own so one odd post does not lose the page.
    #[serde(default)]
    pub data: Vec<Value>,
    #[serde(default)]
    pub includes: Includes,
    pub meta: Meta,
}

#[derive(Debug, Default, Deserialize)]
pub struct Includes {
    #[serde(default)]
    pub users: Vec<User>,
}

#[derive(Debug, Default, Deserialize)]
pub struct Meta {
    #[serde(default)]
    pub result_count: u64,
    pub newest_id: Option<String>,
    pub oldest_id: Option<String>,
    pub next_token: Option<String>,
}

/// A user object with `user.fields=username,name,public_metrics`.
#[derive(Debug, Clone, Deserialize)]
pub struct User {
    pub id: String,
    pub username: String,
    #[serde(default)]
    pub public_metrics: Option<UserMetrics>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct UserMetrics {
    pub followers_count: Option<u64>,
}

/// A post with the fields of [`TWEET_FIELDS`].
#[derive(Debug, Deserialize)]
pub struct Tweet {
    pub id: String,
    pub text: String,
    pub created_at: Option<String>,
    pub author_id: Option<String>,
    pub lang: Option<String>,
    pub public_metrics: Option<TweetMetrics>,
    pub note_tweet: Option<NoteTweet>,
    #[serde(default)]
    pub referenced_tweets: Vec<Reference>,
}

/// `public_metrics` of a post; `impression_count` (and `bookmark_count`) are newer and may be
/// absent.
#[derive(Debug, Default, Deserialize)]
pub struct TweetMetrics {
    pub retweet_count: Option<u64>,
    pub reply_count: Option<u64>,
    pub like_count: Option<u64>,
    pub quote_count: Option<u64>,
    pub impression_count: Option<u64>,
}

#[derive(Debug, Deserialize)]
pub struct NoteTweet {
    pub text: String,
}

#[derive(Debug, Deserialize)]
pub struct Reference {
    #[serde(rename = "type")]
    pub kind: String,
}

/// The lookup's answer: the users found, and a partial error per username not found.
#[derive(Debug, Deserialize)]
pub struct Users {
    #[serde(default)]
    pub data: Vec<User>,
    #[serde(default)]
    pub errors: Vec<Value>,
}

impl Users {
    /// Usernames (lower case) X reported as not found or suspended.
    pub fn missing(&self) -> Vec<String> {
        self.errors
            .iter()
            .filter(|e| e.get("resource_type").and_then(Value::as_str) != Some("tweet"))
            .filter_map(|e| e.get("value").or_else(|| e.get("resource_id")))
            .filter_map(Value::as_str)
            .map(str::to_ascii_lowercase)
            .collect()
    }
}

/// Authors of a page, by id.
pub fn authors(page: &Page) -> HashMap<String, User> {
    page.includes
        .users
        .iter()
        .map(|u| (u.id.clone(), u.clone()))
        .collect()
}

/// Why X refused a request.
#[derive(Debug, Clone, PartialEq)]
pub enum Refusal {
    /// 429 with the rate limit used up: no request before this Unix second.
    RateLimited { until: i64 },
    /// 429 whose problem type is `usage-capped`: the product's monthly cap is reached, which
    /// the reset header does not end.
    UsageCapped { detail: String },
    /// 401 or 403: the token is wrong, revoked, or not allowed this endpoint.
    Token { status: u16, detail: String },
    /// 400 naming `since_id` or `until_id`: an id older than the search's 7-day window.
    StaleBound { detail: String },
    /// Anything else not 2xx.
    Other {
        status: u16,
        detail: String,
        retry_after: Option<Duration>,
    },
}

/// What a non-2xx answer means; `None` for a 2xx.
pub fn refusal(response: &ApiResponse, now: Timestamp) -> Option<Refusal> {
    let status = response.status;
    if (200..300).contains(&status) {
        return None;
    }
    let problem: Value = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
    let detail = problem_text(&problem).unwrap_or_else(|| format!("HTTP {status}"));
    Some(match status {
        429 if problem_type(&problem).is_some_and(|t| t.ends_with("/usage-capped")) => {
            Refusal::UsageCapped { detail }
        }
        429 => Refusal::RateLimited {
            until: reset_at(response, now).unwrap_or(now.as_second() + WINDOW),
        },
        401 | 403 => Refusal::Token { status, detail },
        400 if names_bound(&problem) => Refusal::StaleBound { detail },
        _ => Refusal::Other {
            status,
            detail,
            retry_after: retry_after(&response.headers),
        },
    })
}

/// On a 2xx answer saying no request is left in the window (`x-rate-limit-remaining: 0`),
/// the Unix second it is renewed.
pub fn exhausted_until(response: &ApiResponse, now: Timestamp) -> Option<i64> {
    let remaining: u64 = response
        .header("x-rate-limit-remaining")?
        .trim()
        .parse()
        .ok()?;
    (remaining == 0).then(|| reset_at(response, now).unwrap_or(now.as_second() + WINDOW))
}

/// `x-rate-limit-reset` (Unix seconds), else Retry-After, kept within a second and a day from
/// `now` so a wrong clock or a hostile value cannot park the source for ever.
fn reset_at(response: &ApiResponse, now: Timestamp) -> Option<i64> {
    let now = now.as_second();
    let at = response
        .header("x-rate-limit-reset")
        .and_then(|v| v.trim().parse::<i64>().ok())
        .or_else(|| retry_after(&response.headers).map(|d| now + d.as_secs() as i64))?;
    Some(at.clamp(now + 1, now + 24 * 3600))
}

/// The problem's `type` (`https://api.x.com/2/problems/usage-capped`), whichever host.
fn problem_type(problem: &Value) -> Option<&str> {
    problem.get("type").and_then(Value::as_str)
}

/// Whether a 400's errors name `since_id` or `until_id`.
fn names_bound(problem: &Value) -> bool {
    let Some(errors) = problem.get("errors").and_then(Value::as_array) else {
        return false;
    };
    errors.iter().any(|e| {
        let in_parameters = e
            .get("parameters")
            .and_then(Value::as_object)
            .is_some_and(|p| p.contains_key("since_id") || p.contains_key("until_id"));
        let in_message = e
            .get("message")
            .and_then(Value::as_str)
            .is_some_and(|m| m.contains("since_id") || m.contains("until_id"));
        in_parameters || in_message
    })
}

/// X's words for a refusal, short and printable: the problem's title and detail, the first
/// error's message (the 400 form, or the older `{"errors":[{"code":88,…}]}`), else nothing.
fn problem_text(problem: &Value) -> Option<String> {
    let field = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
    let first_error = problem
        .get("errors")
        .and_then(Value::as_array)
        .and_then(|e| e.first())
        .and_then(|e| field(e, "message").or_else(|| field(e, "detail")));
    let text = match (field(problem, "title"), field(problem, "detail")) {
        (Some(t), Some(d)) if t != d => match first_error {
            Some(e) => format!("{t}: {d} ({e})"),
            None => format!("{t}: {d}"),
        },
        (Some(t), _) | (None, Some(t)) => first_error.map_or(t.clone(), |e| format!("{t}: {e}")),
        (None, None) => first_error?,
    };
    let clean: String = text.chars().filter(|c| !c.is_control()).take(300).collect();
    Some(clean)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue};

    fn answer(status: u16, body: &str, headers: &[(&'static str, &str)]) -> ApiResponse {
        let mut map = HeaderMap::new();
        for (k, v) in headers {
            map.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        ApiResponse {
            status,
            body: body.as_bytes().to_vec(),
            headers: map,
            url: Url::parse("https://api.x.com/2/tweets/search/recent").unwrap(),
        }
    }

    #[test]
    fn addresses_follow_the_reference() {
        let base = Url::parse("https://api.x.com").unwrap();
        let search = Endpoint::Search("banjir samarinda lang:id -is:retweet".into());
        let url = page_url(
            &base,
            &search,
            100,
            &Bounds {
                since_id: Some("1864000000000000100"),
                token: Some("b26v89c19zqg8o3fobd8v73egzbdt3qao235oql"),
                ..Bounds::default()
            },
        );
        assert_eq!(
            url.as_str(),
            "https://api.x.com/2/tweets/search/recent?query=banjir+samarinda+lang%3Aid+-is%3Aretweet\
             &sort_order=recency&max_results=100\
             &tweet.fields=created_at%2Cauthor_id%2Clang%2Cpublic_metrics%2Creferenced_tweets%2Cnote_tweet\
             &expansions=author_id&user.fields=username%2Cname%2Cpublic_metrics\
             &since_id=1864000000000000100&next_token=b26v89c19zqg8o3fobd8v73egzbdt3qao235oql"
        );
        let timeline = Endpoint::Timeline("2244994945".into());
        let url = page_url(
            &Url::parse("http://127.0.0.1:9/x/").unwrap(),
            &timeline,
            5,
            &Bounds {
                token: Some("7140dibdnow9c7btw3w3itbygz8uu5pbs45oy6erjc2ls"),
                ..Bounds::default()
            },
        );
        assert_eq!(url.path(), "/x/2/users/2244994945/tweets");
        assert!(url.query().unwrap().contains("pagination_token=7140"));
        assert!(!url.query().unwrap().contains("next_token"));
        assert_eq!(
            users_url(&base, &["TwitterDev", "diskominfokaltim"]).as_str(),
            "https://api.x.com/2/users/by?usernames=TwitterDev%2Cdiskominfokaltim&user.fields=username%2Cname%2Cpublic_metrics"
        );
    }

    #[test]
    fn refusals_are_read_from_status_type_and_headers() {
        let now = Timestamp::from_second(1_705_420_000).unwrap();
        let limited = answer(
            429,
            r#"{"title":"Too Many Requests","detail":"Too Many Requests","type":"about:blank","status":429}"#,
            &[
                ("x-rate-limit-remaining", "0"),
                ("x-rate-limit-reset", "1705420800"),
            ],
        );
        assert_eq!(
            refusal(&limited, now),
            Some(Refusal::RateLimited {
                until: 1_705_420_800
            })
        );
        let capped = answer(
            429,
            r#"{"title":"UsageCapExceeded","detail":"Usage cap exceeded: Monthly product cap","type":"https://api.twitter.com/2/problems/usage-capped","period":"Monthly","scope":"Product"}"#,
            &[],
        );
        assert!(
            matches!(refusal(&capped, now), Some(Refusal::UsageCapped { detail }) if detail.contains("Monthly product cap"))
        );
        let stale = answer(
            400,
            r#"{"errors":[{"parameters":{"since_id":["100"]},"message":"'since_id' must be a tweet id created after 2026-06-23T10:50Z. Please use a 'since_id' that is larger than 150"}],"title":"Invalid Request","detail":"One or more parameters to your request was invalid.","type":"https://api.twitter.com/2/problems/invalid-request"}"#,
            &[],
        );
        assert!(matches!(
            refusal(&stale, now),
            Some(Refusal::StaleBound { .. })
        ));
        let bad_query = answer(
            400,
            r#"{"errors":[{"parameters":{"query":["x:"]},"message":"There were errors processing your request: Invalid query"}],"title":"Invalid Request","detail":"One or more parameters to your request was invalid.","type":"https://api.twitter.com/2/problems/invalid-request"}"#,
            &[],
        );
        match refusal(&bad_query, now) {
            Some(Refusal::Other {
                status: 400,
                detail,
                ..
            }) => {
                assert!(detail.contains("Invalid query"), "{detail}")
            }
            other => panic!("{other:?}"),
        }
        let unauthorized = answer(
            401,
            r#"{"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"}"#,
            &[],
        );
        assert_eq!(
            refusal(&unauthorized, now),
            Some(Refusal::Token {
                status: 401,
                detail: "Unauthorized".into()
            })
        );
        // A hostile reset a year ahead is held to a day; a body that is not JSON still reads.
        let far = answer(429, "<html>", &[("x-rate-limit-reset", "1800000000")]);
        assert_eq!(
            refusal(&far, now),
            Some(Refusal::RateLimited {
                until: now.as_second() + 24 * 3600
            })
        );
        assert_eq!(refusal(&answer(200, "{}", &[]), now), None);
    }

    #[test]
    fn a_spent_window_is_seen_on_a_good_answer() {
        let now = Timestamp::from_second(1_665_183_000).unwrap();
        let ok = |remaining: &str| {
            answer(
                200,
                "{}",
                &[
                    ("x-rate-limit-limit", "450"),
                    ("x-rate-limit-remaining", remaining),
                    ("x-rate-limit-reset", "1665183229"),
                ],
            )
        };
        assert_eq!(exhausted_until(&ok("448"), now), None);
        assert_eq!(exhausted_until(&ok("0"), now), Some(1_665_183_229));
        assert_eq!(exhausted_until(&answer(200, "{}", &[]), now), None);
    }

    #[test]
    fn missing_usernames_come_from_partial_errors() {
        let users: Users = serde_json::from_str(
            r#"{"data":[{"id":"2244994945","name":"Twitter Dev","username":"TwitterDev"}],
                "errors":[{"value":"xn47mzh437","detail":"Could not find user with usernames: [xn47mzh437].","title":"Not Found Error","resource_type":"user","parameter":"usernames","resource_id":"xn47mzh437","type":"https://api.twitter.com/2/problems/resource-not-found"}]}"#,
        )
        .unwrap();
        assert_eq!(users.missing(), vec!["xn47mzh437".to_string()]);
        assert_eq!(users.data[0].username, "TwitterDev");
    }
}
