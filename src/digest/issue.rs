//! One issue of the briefing: a topic's numbers from the [`PeriodReport`], read out further
//! from the store for the period (kabupaten/kota, sources, accounts, sentiment,
//! representative posts; platforms, the most engaged posts and the accounts of widest reach) and judged (the follow-up it calls for, how urgent it is, the
//! executive-summary sentence). [`super::build`] ranks the issues and assembles the briefing.

use std::collections::HashMap;

use super::report::PeriodReport;
use super::svg;
use super::words::{account_label, platform_label, reach_label, words};
use super::{
    ACCOUNTS_PER_ISSUE, AccountCount, AccountReachRef, DigestError, ENGAGED_PER_ISSUE, Issue,
    POSTS_PER_ISSUE, PlatformShare, PostRef, REACH_ACCOUNTS_PER_ISSUE, RegionCount, Request,
    SentimentCounts, SourceShare,
};
use crate::classify::lists::TopicDef;
use crate::classify::{Classifier, SentimentClass};
use crate::format::{count, excerpt};
use crate::model::Priority;
use crate::store::{Browse, Reports, StoreError, StoredPost};
use crate::time::{Lang, format_local};
use crate::trends::Direction;

/// What every issue of one briefing is read against.
pub(super) struct Context<'a, S> {
    pub store: &'a S,
    pub classifier: &'a Classifier,
    pub req: &'a Request,
    pub report: &'a PeriodReport,
    /// Weekly and monthly briefings: posts per topic in the period before (the week or
    /// calendar month before), which the issues are compared with, and stories in the period.
    pub previous: Option<&'a super::period::Against>,
    /// Source names by id (the id when a source has no name).
    pub names: HashMap<&'a str, &'a str>,
}

/// The issue of `topic` in the briefing's period; `None` when the topic has no post in it.
pub(super) fn issue<S: Reports + Browse>(
    cx: &Context<S>,
    topic: &TopicDef,
) -> Result<Option<Issue>, DigestError> {
    let (store, req) = (cx.store, cx.req);
    let id = topic.id.as_str();
    let numbers = cx.report.topic(id);
    let posts = numbers.posts();
    if posts == 0 {
        return Ok(None);
    }
    let average = numbers.before() as f64 / 7.0;
    let previous = cx.previous.map_or(numbers.previous(), |p| p.previous(id));
    // A weekly or monthly briefing judges its issues by the period rule, not by the trend
    // rule's last hours.
    let assessed = numbers.trend.as_ref().filter(|_| cx.previous.is_none());
    let trend = match cx.previous {
        None => numbers.direction(),
        Some(_) => super::period::judge(posts, previous),
    };
    let mut regions = cx.report.topic_areas(store, cx.classifier, id)?;
    if cx.previous.is_some() {
        // The map marks an area where the issue rose over the period by the period rule, on
        // the area's own counts, not where the trend rule saw it rise in the last hours.
        let before: HashMap<String, u64> = store
            .topic_areas(id, req.previous_start, req.start)?
            .into_iter()
            .collect();
        for area in &mut regions {
            let earlier = before.get(&area.id).copied().unwrap_or(0);
            area.rising = matches!(
                super::period::judge(area.posts, earlier),
                Direction::Naik | Direction::Baru
            );
        }
    }
    let sources = source_shares(store, id, req)?;
    let mut source_kinds: Vec<String> = sources.iter().map(|s| s.kind.clone()).collect();
    source_kinds.sort();
    source_kinds.dedup();
    let accounts = accounts(store, id, req)?;
    let sentiment = sentiment(store, id, req)?;
    let representative = representative(cx, id)?;
    let platforms = platforms(store, id, req, posts)?;
    let engaged = engaged(cx, id)?;
    let reach_accounts = reach_accounts(store, id, req)?;
    let (daily, chart_average) = match cx.previous {
        None => (cx.report.series(id, &req.tz), average),
        Some(_) => {
            let days = super::period::per_day(store, id, req.start, req.end, &req.tz)?;
            // The dashed line is the period before's mean per day.
            let before_days = req.start.duration_since(req.previous_start).as_hours() / 24;
            (days, previous as f64 / before_days.max(1) as f64)
        }
    };
    let urgency = priority_weight(topic.priority)
        * (1.0
            + match cx.previous {
                None => assessed.map_or(posts, |t| t.count),
                Some(p) => p.stories(id),
            } as f64)
            .log2()
        * trend_weight(trend);
    let trend_label = match cx.previous {
        None => assessed.map_or_else(
            || (words(req.lang).trend)(trend).to_string(),
            |t| t.reason.clone(),
        ),
        Some(_) => super::period::trend_label(trend, posts, previous, req),
    };
    let headline = trend_label.split(';').next().unwrap_or_default();
    let sentence = summary_sentence(req.lang, posts, headline, &regions);
    let chart_svg = match cx.previous {
        None => svg::daily_bars_with_average(&daily, Some(average), req.lang),
        Some(_) => svg::period_bars(&daily, chart_average, req.lang),
    };
    let sentiment_svg = svg::sentiment_bar(&sentiment);
    let map_svg = super::map::small(&regions, &topic.name, req.lang);
    Ok(Some(Issue {
        topic: id.to_string(),
        name: topic.name.clone(),
        category: topic.category.clone(),
        priority: topic.priority,
        owner: topic.owner.clone(),
        advice: topic.advice.clone(),
        posts,
        previous,
        average_7d: (average * 10.0).round() / 10.0,
        week_ago: cx.previous.is_none().then(|| numbers.counts[0]),
        stories: cx.previous.map_or(numbers.stories(), |p| p.stories(id)),
        score: if cx.previous.is_none() {
            numbers.score()
        } else {
            0.0
        },
        rising: match cx.previous {
            None => numbers.rising(),
            Some(_) => matches!(trend, Direction::Naik | Direction::Baru),
        },
        trend,
        trend_label,
        action: action(topic.priority, trend, posts, &sentiment).to_string(),
        sentence,
        in_summary: false,
        daily,
        regions,
        sources,
        source_kinds,
        accounts,
        sentiment,
        representative,
        platforms,
        engaged,
        reach_accounts,
        urgency,
        chart_svg,
        sentiment_svg,
        map_svg,
    }))
}

fn source_shares(
    store: &(impl Reports + Browse),
    topic: &str,
    req: &Request,
) -> Result<Vec<SourceShare>, StoreError> {
    Ok(store
        .topic_sources(topic, req.start, req.end)?
        .into_iter()
        .map(|s| SourceShare {
            name: s.name.clone().unwrap_or_else(|| s.source.clone()),
            id: s.source,
            kind: s.kind.unwrap_or_else(|| "lain".into()),
            posts: s.posts,
        })
        .collect())
}

/// The accounts posting most about the topic, at most [`ACCOUNTS_PER_ISSUE`]. One account
/// seen on several sources (an aggregator re-posting it) counts once.
fn accounts(
    store: &impl Reports,
    topic: &str,
    req: &Request,
) -> Result<Vec<AccountCount>, StoreError> {
    let mut accounts: Vec<AccountCount> = Vec::new();
    for a in store.topic_authors(topic, req.start, req.end, 200)? {
        if is_generic_byline(&a.author) {
            continue;
        }
        let source = a.source_name.unwrap_or(a.source);
        match accounts
            .iter_mut()
            .find(|x| x.name.to_lowercase() == a.author.to_lowercase())
        {
            Some(x) => {
                x.posts += a.posts;
                x.sources.push(source);
            }
            None => accounts.push(AccountCount {
                name: a.author,
                posts: a.posts,
                sources: vec![source],
            }),
        }
    }
    accounts.sort_by(|a, b| b.posts.cmp(&a.posts).then(a.name.cmp(&b.name)));
    accounts.truncate(ACCOUNTS_PER_ISSUE);
    Ok(accounts)
}

fn sentiment(
    store: &impl Reports,
    topic: &str,
    req: &Request,
) -> Result<SentimentCounts, StoreError> {
    let mut sentiment = SentimentCounts::default();
    for (class, n) in store.topic_sentiment(topic, req.start, req.end)? {
        match SentimentClass::parse(&class) {
            Some(SentimentClass::Positif) => sentiment.positif += n,
            Some(SentimentClass::BerpotensiNegatif) => sentiment.berpotensi_negatif += n,
            Some(SentimentClass::Negatif) => sentiment.negatif += n,
            _ => sentiment.netral += n,
        }
    }
    Ok(sentiment)
}

/// The topic's representative posts, at most [`POSTS_PER_ISSUE`], each with how far its
/// story spread.
fn representative<S: Reports + Browse>(
    cx: &Context<S>,
    topic: &str,
) -> Result<Vec<PostRef>, StoreError> {
    let req = cx.req;
    let mut out = Vec::new();
    for p in cx
        .store
        .topic_posts(topic, req.start, req.end, POSTS_PER_ISSUE)?
    {
        out.push(post_ref(cx, p)?);
    }
    Ok(out)
}

/// The topic's posts with most engagement, at most [`ENGAGED_PER_ISSUE`].
fn engaged<S: Reports + Browse>(cx: &Context<S>, topic: &str) -> Result<Vec<PostRef>, StoreError> {
    let req = cx.req;
    cx.store
        .topic_engaged(topic, req.start, req.end, ENGAGED_PER_ISSUE)?
        .into_iter()
        .map(|p| post_ref(cx, p))
        .collect()
}

/// A stored post as the briefing lists it, with how far its story spread.
fn post_ref<S: Browse>(cx: &Context<S>, p: StoredPost) -> Result<PostRef, StoreError> {
    let req = cx.req;
    let spread = p.story.map(|s| cx.store.story(s)).transpose()?.flatten();
    Ok(PostRef {
        story_posts: spread.as_ref().map_or(0, |s| s.posts),
        story_sources: spread.as_ref().map_or(0, |s| s.sources),
        source_name: cx
            .names
            .get(p.source.as_str())
            .copied()
            .unwrap_or(p.source.as_str())
            .to_string(),
        source: p.source.to_string(),
        author: p
            .author
            .map(|a| a.trim().to_string())
            .filter(|a| !a.is_empty() && !is_generic_byline(a)),
        published: p.published,
        published_label: format_local(p.published, &req.tz, req.lang),
        // Social feeds often repeat the start of the text as a title: show it once.
        title: p
            .title
            .filter(|t| !p.text.starts_with(t.trim_end_matches(['…', '.']))),
        excerpt: excerpt(&p.text, 280),
        url: p
            .url
            .filter(|u| u.starts_with("https://") || u.starts_with("http://")),
        platform_label: platform_label(p.platform.as_str(), req.lang),
        platform: p.platform.to_string(),
        reach_label: reach_label(&p.reach, req.lang),
        reach: p.reach,
    })
}

/// The topic's posts per platform, most first, with each one's share of `posts` (the issue's
/// posts in the period).
fn platforms(
    store: &impl Reports,
    topic: &str,
    req: &Request,
    posts: u64,
) -> Result<Vec<PlatformShare>, StoreError> {
    Ok(store
        .topic_platforms(topic, req.start, req.end)?
        .into_iter()
        .map(|p| PlatformShare {
            label: platform_label(p.platform.as_str(), req.lang),
            platform: p.platform.to_string(),
            percent: (p.posts as f64 * 100.0 / posts.max(1) as f64).round() as u64,
            posts: p.posts,
        })
        .collect())
}

/// The accounts with the widest reach on the topic, at most [`REACH_ACCOUNTS_PER_ISSUE`]
/// (ranked by the store: followers × engagement). A newsroom's generic byline is no account.
fn reach_accounts(
    store: &impl Reports,
    topic: &str,
    req: &Request,
) -> Result<Vec<AccountReachRef>, StoreError> {
    Ok(store
        .topic_accounts(topic, req.start, req.end, REACH_ACCOUNTS_PER_ISSUE * 2)?
        .into_iter()
        .filter(|a| !is_generic_byline(&a.author))
        .take(REACH_ACCOUNTS_PER_ISSUE)
        .map(|a| AccountReachRef {
            platform_label: platform_label(a.platform.as_str(), req.lang),
            platform: a.platform.to_string(),
            label: account_label(a.followers, a.engagement, a.posts, req.lang),
            name: a.author,
            posts: a.posts,
            followers: a.followers,
            engagement: a.engagement,
            likes: a.likes,
            shares: a.shares,
            comments: a.comments,
            views: a.views,
        })
        .collect())
}

fn priority_weight(p: Priority) -> f64 {
    match p {
        Priority::Rendah => 1.0,
        Priority::Sedang => 2.0,
        Priority::Tinggi => 3.0,
        Priority::Kritis => 4.0,
    }
}

fn trend_weight(d: Direction) -> f64 {
    match d {
        Direction::Naik => 2.0,
        Direction::Baru => 1.5,
        Direction::Stabil => 1.0,
        Direction::Turun => 0.7,
    }
}

/// The follow-up an issue calls for: `koordinasi`, `klarifikasi` or `pantau`.
fn action(
    priority: Priority,
    trend: Direction,
    posts: u64,
    sentiment: &SentimentCounts,
) -> &'static str {
    let negative = sentiment.negatif + sentiment.berpotensi_negatif;
    if priority >= Priority::Tinggi
        && matches!(trend, Direction::Naik | Direction::Baru)
        && posts >= 5
    {
        "koordinasi"
    } else if posts >= 3 && negative * 2 >= posts {
        "klarifikasi"
    } else {
        "pantau"
    }
}
/// Whether an author name is a newsroom's generic byline rather than a person or an account:
/// "Redaksi", "Admin", "Tim Redaksi", "Tim Liputan", "Kontributor Daerah", "Humas" and the like.
pub fn is_generic_byline(name: &str) -> bool {
    const GENERIC: &[&str] = &[
        "redaksi",
        "admin",
        "administrator",
        "humas",
        "kontributor",
        "reporter",
        "wartawan",
        "editor",
        "penulis",
        "staf",
        "staff",
        "tim",
        "team",
        "desk",
        "newsroom",
        "webmaster",
        "web",
        "anonim",
        "anonymous",
        "unknown",
        "liputan",
        "pewarta",
    ];
    let name = name.trim();
    if name.starts_with('@') {
        return false;
    }
    let folded = name.to_lowercase();
    // Judged by the first word: "Tim Redaksi", "Kontributor Daerah", "Admin Kaltim".
    match folded
        .split(|c: char| !c.is_alphanumeric())
        .find(|w| !w.is_empty())
    {
        None => true,
        Some(first) => GENERIC.contains(&first),
    }
}

/// The executive-summary sentence of an issue (its name is printed before it).
fn summary_sentence(lang: Lang, posts: u64, trend: &str, regions: &[RegionCount]) -> String {
    let posts = count(posts, "posts", lang);
    let top: Vec<&str> = regions.iter().take(3).map(|r| r.name.as_str()).collect();
    match lang {
        Lang::Id => {
            let where_ = if top.is_empty() {
                String::new()
            } else {
                format!(", terutama di {}", top.join(", "))
            };
            format!("{posts}, {trend}{where_}.")
        }
        Lang::En => {
            let where_ = if top.is_empty() {
                String::new()
            } else {
                format!(", mostly in {}", top.join(", "))
            };
            format!("{posts}, {trend}{where_}.")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generic_bylines_are_not_accounts() {
        for generic in [
            "Redaksi",
            "admin",
            "Tim Redaksi",
            "Tim Liputan",
            "Kontributor Daerah",
            " ",
            "Humas",
        ] {
            assert!(is_generic_byline(generic), "{generic}");
        }
        for account in [
            "@anakmahakam",
            "@admin_warga",
            "Budi Santoso",
            "Rina (warga Sempaja)",
        ] {
            assert!(!is_generic_byline(account), "{account}");
        }
    }
}
