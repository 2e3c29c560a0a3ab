//! The frame of the server's own HTML pages (login now; the analysts' pages build on it): one
//! inline stylesheet, no script and no external asset, readable on a phone, with the signed-in
//! user and a logout button in the header. Pages pass their body as markup they escaped with
//! [`escape`] (or a template's auto-escaping).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use crate::auth::Role;

/// The signed-in user a page's header shows (`super::auth::Visitor::account`).
#[derive(Debug, Clone, Copy)]
pub struct Account<'a> {
    pub name: &'a str,
    pub role: Role,
    /// The session's CSRF token, for the logout form; none for an API token.
    pub csrf: Option<&'a str>,
}

/// The form field name of the CSRF token.
pub const CSRF_FIELD: &str = "csrf";

/// A hidden form field carrying `token` (every form that posts needs one).
pub fn csrf_field(token: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"{CSRF_FIELD}\" value=\"{}\">",
        escape(token)
    )
}

/// The Content-Security-Policy of these pages: nothing from elsewhere, no script, forms only
/// to this server, never inside another site's frame.
pub const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; \
                       form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const STYLE: &str = "\
:root{--ink:#1c2430;--muted:#5b6675;--line:#d9dee5;--bg:#f4f6f8;--accent:#0b4f8a;--up:#b42318}\
*{box-sizing:border-box}\
body{margin:0;font:16px/1.5 system-ui,\"Segoe UI\",Roboto,\"Noto Sans\",sans-serif;color:var(--ink);background:var(--bg)}\
header{background:var(--accent);color:#fff;padding:12px 20px;display:flex;flex-wrap:wrap;align-items:center;gap:8px 20px}\
header h1{font-size:19px;margin:0;font-weight:650}header a{color:#fff;text-decoration:none}\
header .who{margin-left:auto;font-size:14px;display:flex;gap:10px;align-items:center}\
header form{margin:0}header button{font:inherit;font-size:13px;padding:3px 10px;border:1px solid #fff8;border-radius:6px;background:transparent;color:#fff;cursor:pointer}\
main{max-width:1180px;margin:0 auto;padding:18px 20px 40px}\
main.narrow{max-width:420px}\
.box{background:#fff;border:1px solid var(--line);border-radius:8px;padding:18px 20px}\
label{display:block;font-weight:600;margin:12px 0 4px}\
input[type=text],input[type=password]{width:100%;font:inherit;padding:9px 10px;border:1px solid var(--line);border-radius:6px}\
button.primary{margin-top:16px;width:100%;font:inherit;font-weight:600;padding:10px;border:0;border-radius:6px;background:var(--accent);color:#fff;cursor:pointer}\
.error{background:#fde8e6;border:1px solid #f3b8b1;color:var(--up);border-radius:6px;padding:8px 12px;margin:0 0 8px}\
.muted{color:var(--muted);font-size:14px}";

/// `text` safe inside HTML text and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// The header's account part: who is signed in, with what role, and the logout form.
fn account(account: Option<Account<'_>>) -> String {
    let Some(a) = account else {
        return String::new();
    };
    let logout = a.csrf.map_or_else(String::new, |token| {
        format!(
            "<form method=\"post\" action=\"/logout\">{}<button type=\"submit\">Keluar</button></form>",
            csrf_field(token)
        )
    });
    format!(
        "<span class=\"who\"><span>{} · {}</span>{logout}</span>",
        escape(a.name),
        a.role.label()
    )
}

/// A whole page: `title` (escaped here) and `body` (markup the caller escaped), with the
/// signed-in user (`Visitor::account`) in the header. `narrow` keeps the content to a phone's width (forms).
pub fn page(
    status: StatusCode,
    title: &str,
    user: Option<Account<'_>>,
    body: &str,
    narrow: bool,
) -> Response {
    let html = format!(
        "<!doctype html>\n<html lang=\"id\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title} — Pantau</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <header><h1><a href=\"/\">Pantau</a></h1>{account}</header>\n\
         <main{class}>\n{body}\n</main>\n</body>\n</html>\n",
        title = escape(title),
        account = account(user),
        class = if narrow { " class=\"narrow\"" } else { "" },
    );
    let mut response = (status, Html(html)).into_response();
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape("<a href=\"x\" onclick='y'>&</a>"),
            "&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;"
        );
    }
}
