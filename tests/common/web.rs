//! What the tests of the signed-in pages share: a server on the project's own config, users
//! added as the CLI would, and the cookies and hidden fields a browser would carry.

use jiff::Timestamp;
use pantau::Classifier;
use pantau::auth::{self, Role};
use pantau::store::users::UserRow;
use pantau::store::writer::Writer;
use pantau::store::{Accounts, Store};
use reqwest::header::{HeaderMap, SET_COOKIE};

use super::{Project, Served};

/// The project's config served on loopback: its lists, its store, one writer thread.
pub async fn serve_project(project: &Project) -> Served {
    let config = project.load();
    let classifier = Classifier::load(&config.settings.keywords.dir).unwrap();
    let (writer, thread) = Writer::spawn(Store::connect(&config.settings.storage).unwrap());
    super::serve(super::app_state(&config, classifier, writer), thread).await
}

/// Adds `name` with `role` and `password`; whether the name was new.
pub fn add_user(project: &Project, name: &str, role: Role, password: &str) -> bool {
    let user = UserRow {
        name: name.into(),
        role: role.as_str().into(),
        password_hash: auth::hash_password(password).unwrap(),
        created_at: Timestamp::now(),
        last_login_at: None,
    };
    project.with_store(|s| s.add_user(&user)).unwrap()
}

/// A client that follows no redirect and keeps no cookie: every test states what it sends.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The `Set-Cookie` header that sets `name`.
pub fn set_cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(str::to_owned)
}

/// The value a `Set-Cookie` header sets.
pub fn cookie_value(set_cookie: &str) -> String {
    set_cookie
        .split(';')
        .next()
        .and_then(|p| p.split_once('='))
        .map(|(_, v)| v.to_string())
        .unwrap()
}

/// The value of the hidden field `name` of a page.
pub fn hidden(html: &str, name: &str) -> String {
    let key = format!("name=\"{name}\" value=\"");
    let at = html
        .find(&key)
        .unwrap_or_else(|| panic!("no {name} field in {html}"));
    let rest = &html[at + key.len()..];
    rest[..rest.find('"').unwrap()].to_string()
}

/// The topics stored for the post of `external_id`.
pub fn stored_topics(project: &Project, external_id: &str) -> Vec<String> {
    let conn = project.sql();
    let mut stmt = conn
        .prepare(
            "SELECT t.topic_id FROM topic_posts t JOIN posts p ON p.id = t.post_id
             WHERE p.external_id = ?1 ORDER BY 1",
        )
        .unwrap();
    stmt.query_map(&[&external_id], |r| r.get::<_, String>(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}
