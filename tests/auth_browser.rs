//! Logging in as a person does, in headless Chromium on a phone's width: the dashboard sends
//! them to the login page, a wrong password shows an error, the right one brings them back to
//! the dashboard with their name in the header, and "Keluar" signs them out. The page asks for
//! nothing from elsewhere and logs no console error.

mod common;

use common::Project;
use common::browser::{self, Browser};
use pantau::auth::Role;
use pantau::store::Accounts;

const PASSWORD: &str = "kopi susu tanpa gula";

/// Fills the login form and submits it, as typing and tapping "Masuk" would.
fn submit_login(name: &str, password: &str) -> String {
    format!(
        "document.getElementById('name').value = {name:?};
         document.getElementById('password').value = {password:?};
         document.querySelector('button[type=submit]').click();"
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn a_person_logs_in_through_the_form_and_sees_the_dashboard() {
    let project = Project::new("", "");
    common::web::add_user(&project, "siti", Role::Analyst, PASSWORD);
    let served = common::web::serve_project(&project).await;
    let base = served.base.clone();

    let Some(mut chromium) = Browser::launch().await else {
        served.stop().await;
        return;
    };
    let mut page = chromium.page(390).await;
    page.goto(&format!("{base}/?topic=banjir")).await;
    let at = page.eval("location.pathname + location.search").await;
    assert_eq!(at, "/login?next=%2F%3Ftopic%3Dbanjir");
    assert!(page.text().await.contains("Kata sandi"));

    page.navigate_by(&submit_login("siti", "bukan sandinya"))
        .await;
    let text = page.text().await;
    assert!(
        text.contains("Nama pengguna atau kata sandi salah"),
        "{text}"
    );

    page.navigate_by(&submit_login("siti", PASSWORD)).await;
    let at = page.eval("location.pathname + location.search").await;
    assert_eq!(at, "/?topic=banjir");
    let text = page.text().await;
    assert!(text.contains("Dasbor Pemantauan Isu"), "{text}");
    assert!(text.contains("siti · analis"), "{text}");
    // The session cookie is HttpOnly: no script on the page can read it.
    assert_eq!(page.eval("document.cookie").await, "");
    // Nothing overflows a phone's width.
    let wide = page
        .eval("document.documentElement.scrollWidth <= window.innerWidth + 1")
        .await;
    assert_eq!(wide, true);
    let shot = browser::artefact_dir().join("login-dashboard-390.png");
    page.screenshot(&shot).await;

    page.navigate_by("document.querySelector('form[action=\"/logout\"] button').click();")
        .await;
    assert_eq!(page.eval("location.pathname").await, "/login");
    page.goto(&format!("{base}/")).await;
    assert_eq!(page.eval("location.pathname").await, "/login");

    let (errors, requests) = page.report(&base);
    // The wrong password's answer is a 401, which Chromium logs; nothing else may be there.
    let unexpected: Vec<&String> = errors
        .iter()
        .filter(|e| !(e.contains("status of 401") && e.ends_with("/login")))
        .collect();
    assert_eq!(errors.len(), unexpected.len() + 1, "{errors:?}");
    assert!(unexpected.is_empty(), "console errors: {unexpected:?}");
    let elsewhere: Vec<&String> = requests
        .iter()
        .filter(|r| !r.starts_with(&format!("{base}/")))
        .collect();
    assert!(elsewhere.is_empty(), "requests elsewhere: {elsewhere:?}");
    drop(chromium);
    served.stop().await;
    let audit: Vec<String> = project
        .with_store(|s| s.login_audit(Some("siti"), 10))
        .unwrap()
        .into_iter()
        .rev()
        .map(|e| e.outcome.as_str().to_string())
        .collect();
    assert_eq!(audit, ["failed", "ok", "logout"]);
}
