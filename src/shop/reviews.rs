//! Verified reviews: the invitations (one per line of a delivered order, a random token
//! kept only as its hash, single use, expiring), the review written from one (one per
//! order line, so every review is a verified purchase), the owner's decisions (publish,
//! hide, reply, each in the audit log), and what product pages read (published reviews,
//! newest first; the count, average and breakdown by stars).

use crate::db::Tx;
use crate::error::{Error, Kind, Result};
use crate::shop::audit::{self, Actor};
use crate::shop::orders::Order;
use rusqlite::{Connection, OptionalExtension, params};

/// A review link made for one line: what to mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub title: String,
    pub token: String,
}

/// Invitations for every reviewable line of `o` (a line whose product still exists and
/// that has none yet). Returns the new links; a second call makes none.
pub fn invite(tx: &Tx, o: &Order, days: i64, now: i64) -> Result<Vec<Link>> {
    let mut out = Vec::new();
    for l in &o.lines {
        if l.product_id.is_none() {
            continue;
        }
        let token = crate::crypto::b64(&crate::crypto::random_bytes::<32>());
        let n = tx.prepare_cached(sql::INSERT_INVITE)?.execute(params![
            l.id,
            crate::crypto::token_hash(&token),
            now + days * 86_400,
            now
        ])?;
        if n > 0 {
            let title = if l.options.is_empty() {
                l.title.clone()
            } else {
                format!("{} ({})", l.title, l.options)
            };
            out.push(Link { title, token });
        }
    }
    Ok(out)
}

/// What a review link opens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invite {
    pub id: i64,
    pub order_line_id: i64,
    pub order_id: i64,
    pub product_id: Option<i64>,
    pub product_slug: Option<String>,
    /// The line's title and options as bought.
    pub title: String,
    pub order_number: String,
    pub name: String,
    pub email: String,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

fn invite_by_hash(c: &Connection, hash: &[u8]) -> Result<Option<Invite>> {
    Ok(c.prepare_cached(sql::INVITE)?
        .query_row([hash], |r| {
            let title: String = r.get(6)?;
            let options: String = r.get(7)?;
            Ok(Invite {
                id: r.get(0)?,
                order_line_id: r.get(1)?,
                order_id: r.get(2)?,
                product_id: r.get(3)?,
                product_slug: r.get(4)?,
                expires_at: r.get(5)?,
                title: if options.is_empty() {
                    title
                } else {
                    format!("{title} ({options})")
                },
                order_number: r.get(8)?,
                name: r.get(9)?,
                email: r.get(10)?,
                used_at: r.get(11)?,
            })
        })
        .optional()?)
}

/// The invitation behind `token`, if it can still be used: a forged token is the same
/// 404 as none; a used or expired one says so (409), so the shopper knows why.
pub fn usable(c: &Connection, token: &str, now: i64) -> Result<Invite> {
    let inv = invite_by_hash(c, &crate::crypto::token_hash(token.trim()))?.ok_or_else(|| {
        Error::not_found("This review link is not valid. Use the link from your email.")
    })?;
    if inv.used_at.is_some() {
        return Err(Error::conflict(
            "This review link was already used: thank you, your review is in.",
        ));
    }
    if inv.expires_at <= now {
        return Err(Error::conflict(
            "This review link has expired. Write to us if you would still like to review your purchase.",
        ));
    }
    Ok(inv)
}

/// What the shopper typed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Draft {
    pub rating: String,
    pub title: String,
    pub body: String,
}

pub const MAX_TITLE: usize = 120;
pub const MAX_BODY: usize = 4000;

/// The draft checked: (rating, title, body), or the first thing to fix in words.
pub fn check(d: &Draft) -> Result<(i64, String, String)> {
    let rating: i64 = d
        .rating
        .trim()
        .parse()
        .ok()
        .filter(|n| (1..=5).contains(n))
        .ok_or_else(|| Error::bad_request("Choose a rating from 1 to 5 stars."))?;
    let title = d.title.trim();
    if title.is_empty() {
        return Err(Error::bad_request("Give your review a title."));
    }
    if title.chars().count() > MAX_TITLE {
        return Err(Error::bad_request(format!(
            "Please keep the title under {MAX_TITLE} characters."
        )));
    }
    crate::shop::text::single_line("The title", title)?;
    let body = d.body.trim();
    if body.is_empty() {
        return Err(Error::bad_request("Write a few words about it."));
    }
    if body.chars().count() > MAX_BODY {
        return Err(Error::bad_request(format!(
            "Please keep the review under {MAX_BODY} characters."
        )));
    }
    if body.chars().any(|c| c.is_control() && c != '\n') {
        return Err(Error::bad_request(
            "The review may have line breaks but no other control characters.",
        ));
    }
    Ok((rating, title.to_string(), body.to_string()))
}

/// "Asha R.": the first name and the initial of the last, as reviews are signed.
pub fn author_of(name: &str) -> String {
    let mut parts = name.split_whitespace();
    match (parts.next(), parts.last()) {
        (Some(first), Some(last)) => format!(
            "{first} {}.",
            last.chars()
                .next()
                .map(|c| c.to_uppercase().to_string())
                .unwrap_or_default()
        ),
        (Some(first), None) => first.to_string(),
        _ => "A shopper".into(),
    }
}

/// Writes the review from the invitation behind `token` and spends it, in `tx`: the
/// checks again inside the write, so two submissions at once make one review. Returns
/// the invitation it was written from (the product it is about).
pub fn submit(
    tx: &Tx,
    token: &str,
    d: &Draft,
    photo: Option<&crate::shop::catalog::images::ImageSet>,
    publish: bool,
    now: i64,
) -> Result<Invite> {
    let inv = usable(tx, token, now)?;
    let (rating, title, body) = check(d)?;
    let image_id = match photo {
        Some(set) => Some(crate::shop::catalog::store_image(
            tx,
            set,
            &format!("Photo from a review of {}", inv.title),
            now,
        )?),
        None => None,
    };
    let spent = tx
        .prepare_cached(sql::SPEND_INVITE)?
        .execute(params![now, inv.id])?;
    if spent == 0 {
        return Err(Error::conflict(
            "This review link was already used: thank you, your review is in.",
        ));
    }
    tx.prepare_cached(sql::INSERT_REVIEW)?
        .execute(params![
            inv.order_line_id,
            inv.order_id,
            inv.product_id,
            inv.title,
            author_of(&inv.name),
            inv.email,
            rating,
            title,
            body,
            if publish { "published" } else { "pending" },
            now,
            image_id
        ])
        .map_err(|e| match e {
            rusqlite::Error::SqliteFailure(f, _)
                if f.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                Error::new(Kind::Conflict, "This item already has your review.")
            }
            e => e.into(),
        })?;
    Ok(inv)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Review {
    pub id: i64,
    pub product_id: Option<i64>,
    pub product_title: String,
    pub order_number: Option<String>,
    pub author: String,
    pub email: String,
    pub rating: i64,
    pub title: String,
    pub body: String,
    pub status: String,
    pub reply: String,
    pub created_at: i64,
    /// The photo's image hash (its WebP set is served at /img/{hash}-…).
    pub photo: Option<String>,
}

fn review_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Review> {
    Ok(Review {
        id: r.get(0)?,
        product_id: r.get(1)?,
        product_title: r.get(2)?,
        order_number: r.get(3)?,
        author: r.get(4)?,
        email: r.get(5)?,
        rating: r.get(6)?,
        title: r.get(7)?,
        body: r.get(8)?,
        status: r.get(9)?,
        reply: r.get(10)?,
        created_at: r.get(11)?,
        photo: r.get(12)?,
    })
}

/// The owner's decision on a review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Publish,
    Hide,
    Reply(String),
}

/// Applies the owner's decision, with its audit entry. A reply is shown under the
/// review on the product page (empty removes it).
pub fn decide(tx: &Tx, id: i64, d: &Decision, actor: &Actor, now: i64) -> Result<()> {
    let r = get(tx, id)?.ok_or_else(|| Error::not_found("There is no such review."))?;
    let (what, summary) = match d {
        Decision::Publish | Decision::Hide => {
            let to = if *d == Decision::Publish {
                "published"
            } else {
                "hidden"
            };
            if r.status == to {
                return Ok(());
            }
            tx.prepare_cached(sql::SET_STATUS)?
                .execute(params![to, now, id])?;
            (
                if to == "published" {
                    "review_published"
                } else {
                    "review_hidden"
                },
                format!("{} → {to}", r.status),
            )
        }
        Decision::Reply(text) => {
            let text = text.trim();
            if text.chars().count() > 2000 {
                return Err(Error::bad_request(
                    "Please keep the reply under 2000 characters.",
                ));
            }
            if text == r.reply {
                return Ok(());
            }
            tx.prepare_cached(sql::SET_REPLY)?.execute(params![
                text,
                (!text.is_empty()).then_some(now),
                now,
                id
            ])?;
            (
                "review_replied",
                format!("reply: {}", text.chars().take(80).collect::<String>()),
            )
        }
    };
    audit::record(tx, actor, what, "review", &id.to_string(), &summary, now)
}

pub fn get(c: &Connection, id: i64) -> Result<Option<Review>> {
    Ok(c.prepare_cached(sql::GET)?
        .query_row([id], review_row)
        .optional()?)
}

/// The owner's list: `status` one of pending/published/hidden, or all when empty.
pub fn list(c: &Connection, status: &str, limit: i64) -> Result<Vec<Review>> {
    let mut st = c.prepare_cached(sql::LIST)?;
    let rows = st.query_map(params![status, limit], review_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// How a product page orders its reviews.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    Newest,
    Highest,
    Lowest,
}

impl Sort {
    pub const ALL: [Sort; 3] = [Sort::Newest, Sort::Highest, Sort::Lowest];
    pub fn as_str(self) -> &'static str {
        match self {
            Sort::Newest => "newest",
            Sort::Highest => "highest",
            Sort::Lowest => "lowest",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Sort::Newest => "Newest",
            Sort::Highest => "Highest rated",
            Sort::Lowest => "Lowest rated",
        }
    }
    /// None for anything but the three names ("" is newest).
    pub fn parse(s: &str) -> Option<Sort> {
        if s.is_empty() {
            return Some(Sort::Newest);
        }
        Sort::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// Reviews on one product page.
pub const PAGE: i64 = 10;

/// One page of a product's published reviews in `sort` order, after the cursor `after`
/// (from the previous page's last review: "rating.created_at.id"); returns the reviews
/// and the cursor of the next page, if there is one. Keyset pages: stable while reviews
/// are added, and as fast on page 100 as on page 1. A cursor that does not parse is a 400.
pub fn page(
    c: &Connection,
    product_id: i64,
    sort: Sort,
    after: Option<&str>,
) -> Result<(Vec<Review>, Option<String>)> {
    let (r, t, i) = match after {
        None | Some("") => (None, None, None),
        Some(a) => {
            let p: Vec<i64> = a.split('.').filter_map(|x| x.parse().ok()).collect();
            match p.as_slice() {
                [r, t, i] if (1..=5).contains(r) => (Some(*r), Some(*t), Some(*i)),
                _ => return Err(Error::bad_request("That page of reviews does not exist.")),
            }
        }
    };
    let q = match sort {
        Sort::Newest => sql::PAGE_NEWEST,
        Sort::Highest => sql::PAGE_HIGHEST,
        Sort::Lowest => sql::PAGE_LOWEST,
    };
    let mut st = c.prepare_cached(q)?;
    let rows = st.query_map(params![product_id, r, t, i, PAGE + 1], review_row)?;
    let mut list: Vec<Review> = rows.collect::<rusqlite::Result<_>>()?;
    let next = if list.len() as i64 > PAGE {
        list.truncate(PAGE as usize);
        list.last()
            .map(|l| format!("{}.{}.{}", l.rating, l.created_at, l.id))
    } else {
        None
    };
    Ok((list, next))
}

/// The shopper's own reviews (the account).
pub fn by_email(c: &Connection, email: &str, limit: i64) -> Result<Vec<Review>> {
    let mut st = c.prepare_cached(sql::BY_EMAIL)?;
    let rows = st.query_map(params![email, limit], review_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Count, average and breakdown of a product's published reviews.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stars {
    pub count: i64,
    /// Sum of the ratings (the average is `sum / count`, shown to one decimal).
    pub sum: i64,
    /// How many gave 1, 2, 3, 4, 5 stars.
    pub by_rating: [i64; 5],
}

impl Stars {
    /// The average times ten, rounded (42 = 4.2), or 0 with no reviews.
    pub fn average_x10(&self) -> i64 {
        average_x10(self.sum, self.count)
    }
}

/// The average of `count` ratings adding up to `sum`, times ten and rounded (42 = 4.2);
/// 0 with none. Product pages and cards show the same figure.
pub fn average_x10(sum: i64, count: i64) -> i64 {
    if count == 0 {
        0
    } else {
        (sum * 10 + count / 2) / count
    }
}

pub fn stars(c: &Connection, product_id: i64) -> Result<Stars> {
    let mut st = c.prepare_cached(sql::STARS)?;
    let mut out = Stars::default();
    let rows = st.query_map([product_id], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?))
    })?;
    for row in rows {
        let (rating, n) = row?;
        if (1..=5).contains(&rating) {
            out.by_rating[(rating - 1) as usize] = n;
            out.count += n;
            out.sum += rating * n;
        }
    }
    Ok(out)
}

pub mod sql {
    macro_rules! select {
        ($tail:literal) => {
            concat!(
                "SELECT r.id, r.product_id, r.product_title, o.number, r.author, r.email, r.rating, r.title, r.body, r.status, r.reply, r.created_at, i.hash FROM reviews r LEFT JOIN orders o ON o.id = r.order_id LEFT JOIN images i ON i.id = r.image_id ",
                $tail
            )
        };
    }
    pub const INSERT_INVITE: &str = "INSERT INTO review_invites (order_line_id, token_hash, expires_at, created_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (order_line_id) DO NOTHING";
    pub const INVITE: &str = "SELECT i.id, i.order_line_id, l.order_id, l.product_id, p.slug, i.expires_at, l.title, l.options, o.number, o.name, o.email, i.used_at FROM review_invites i JOIN order_lines l ON l.id = i.order_line_id JOIN orders o ON o.id = l.order_id LEFT JOIN products p ON p.id = l.product_id WHERE i.token_hash = ?1";
    pub const SPEND_INVITE: &str =
        "UPDATE review_invites SET used_at = ?1 WHERE id = ?2 AND used_at IS NULL";
    pub const INSERT_REVIEW: &str = "INSERT INTO reviews (order_line_id, order_id, product_id, product_title, author, email, rating, title, body, status, created_at, updated_at, image_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11, ?12)";
    pub const SET_STATUS: &str = "UPDATE reviews SET status = ?1, updated_at = ?2 WHERE id = ?3";
    pub const SET_REPLY: &str =
        "UPDATE reviews SET reply = ?1, replied_at = ?2, updated_at = ?3 WHERE id = ?4";
    pub const GET: &str = select!("WHERE r.id = ?1");
    pub const LIST: &str = select!(
        "WHERE (?1 = '' OR r.status = ?1) ORDER BY CASE r.status WHEN 'pending' THEN 0 ELSE 1 END, r.created_at DESC, r.id DESC LIMIT ?2"
    );
    pub const PAGE_NEWEST: &str = select!(
        "WHERE r.product_id = ?1 AND r.status = 'published' AND (?3 IS NULL OR (r.created_at, r.id) < (?3, ?4)) AND (?2 IS NULL OR 1) ORDER BY r.created_at DESC, r.id DESC LIMIT ?5"
    );
    pub const PAGE_HIGHEST: &str = select!(
        "WHERE r.product_id = ?1 AND r.status = 'published' AND (?2 IS NULL OR (r.rating, r.created_at, r.id) < (?2, ?3, ?4)) ORDER BY r.rating DESC, r.created_at DESC, r.id DESC LIMIT ?5"
    );
    pub const PAGE_LOWEST: &str = select!(
        "WHERE r.product_id = ?1 AND r.status = 'published' AND (?2 IS NULL OR r.rating > ?2 OR (r.rating = ?2 AND (r.created_at, r.id) < (?3, ?4))) ORDER BY r.rating ASC, r.created_at DESC, r.id DESC LIMIT ?5"
    );
    pub const BY_EMAIL: &str =
        select!("WHERE r.email = ?1 ORDER BY r.created_at DESC, r.id DESC LIMIT ?2");
    pub const STARS: &str = "SELECT rating, count(*) FROM reviews WHERE product_id = ?1 AND status = 'published' GROUP BY rating";
    pub const ALL: &[&str] = &[
        INSERT_INVITE,
        INVITE,
        SPEND_INVITE,
        INSERT_REVIEW,
        SET_STATUS,
        SET_REPLY,
        GET,
        LIST,
        PAGE_NEWEST,
        PAGE_HIGHEST,
        PAGE_LOWEST,
        BY_EMAIL,
        STARS,
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drafts_are_checked_in_words() {
        let d = |r: &str, t: &str, b: &str| Draft {
            rating: r.into(),
            title: t.into(),
            body: b.into(),
        };
        assert!(check(&d("5", "Lovely", "Soft and warm.")).is_ok());
        for (bad, says) in [
            (d("0", "t", "b"), "rating"),
            (d("6", "t", "b"), "rating"),
            (d("x", "t", "b"), "rating"),
            (d("4", " ", "b"), "title"),
            (d("4", &"t".repeat(121), "b"), "title"),
            (d("4", "t", ""), "few words"),
            (d("4", "t", &"b".repeat(4001)), "4000"),
        ] {
            let e = check(&bad).unwrap_err();
            assert!(e.public.contains(says), "{}", e.public);
        }
        assert_eq!(author_of("Asha rao"), "Asha R.");
        assert_eq!(author_of("Meera"), "Meera");
        assert_eq!(author_of("  "), "A shopper");
    }

    #[test]
    fn the_average_rounds_to_one_decimal() {
        let s = Stars {
            count: 3,
            sum: 13,
            by_rating: [0, 0, 0, 2, 1],
        };
        assert_eq!(s.average_x10(), 43);
        assert_eq!(Stars::default().average_x10(), 0);
    }
}
