//! Sign-in end to end through the real server and the `file` mail transport: the page sets
//! a guest session, the form needs its CSRF token, the mail carries a link and a code, the
//! code signs in (new session token, old one dead), the link works once on any device,
//! answers do not reveal whether an email has an account, `next=` stays local, sign out
//! and sign out everywhere end sessions.

use crate::common;
use common::get_as as get;
use common::{Page, Store, csrf, mail, post_form as post, session_cookie as set_cookie};

fn start_sign_in(s: &Store, email: &str, next: &str) -> (String, Page) {
    let p = get(s, &format!("/account/sign-in?next={next}"), None);
    assert_eq!(p.status, 200);
    let cookie = set_cookie(&p).expect("a guest session for the form");
    let sc = p
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("set-cookie"))
        .unwrap()
        .1
        .clone();
    assert!(
        sc.contains("HttpOnly") && sc.contains("SameSite=Lax"),
        "{sc}"
    );
    let token = csrf(&p.text());
    let r = post(
        s,
        "/account/sign-in",
        Some(&cookie),
        &format!("csrf_token={token}&email={email}&next={next}"),
    );
    (cookie, r)
}

#[test]
fn sign_in_by_code_then_link_reuse_refused_and_sign_out() {
    let s = Store::empty();
    assert_eq!(get(&s, "/account", None).status, 303, "anonymous → sign-in");
    let (guest, r) = start_sign_in(&s, "ann%40example.com", "%2Faccount");
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.text().contains("Check your email"));
    let (code, link, raw) = mail(&s, 1);
    assert!(
        raw.contains("Date:") && raw.contains("Message-ID:") && raw.contains("From:"),
        "{raw}"
    );
    assert!(raw.contains("text/plain") && raw.contains("text/html"));
    assert_eq!(code.len(), 6);
    // The code, typed on the same device.
    let page = get(&s, "/account/sign-in", Some(&guest));
    let token = csrf(&page.text());
    let r = post(
        &s,
        "/account/sign-in/code",
        Some(&guest),
        &format!("csrf_token={token}&code={code}"),
    );
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(r.header("location"), Some("/account"));
    let signed = set_cookie(&r).expect("a new session token at sign-in");
    assert_ne!(signed, guest, "no fixation: the token changes");
    assert_eq!(
        get(&s, "/account", Some(&guest)).status,
        303,
        "the old token is dead"
    );
    let acct = get(&s, "/account", Some(&signed));
    assert_eq!(acct.status, 200);
    assert!(acct.text().contains("ann@example.com"));
    // The code used up that request: its link is dead too.
    assert_eq!(get(&s, &link, None).status, 400);
    // A new request's link works once, on another device (no cookie)…
    let _ = start_sign_in(&s, "ann%40example.com", "%2Faccount");
    let (_, link, _) = mail(&s, 2);
    let r = get(&s, &link, None);
    assert_eq!(r.status, 303);
    let other = set_cookie(&r).unwrap();
    assert_eq!(get(&s, "/account", Some(&other)).status, 200);
    // …and never twice: the page says so and offers a new link for the same address,
    // in one step (its form works: a new mail goes out).
    let r = get(&s, &link, None);
    assert_eq!(r.status, 400);
    let html = r.text();
    assert!(html.contains("expired or was already used"), "{html}");
    assert!(html.contains("value=\"ann@example.com\""), "{html}");
    let again = set_cookie(&r).expect("a session for the form");
    let r = post(
        &s,
        "/account/sign-in",
        Some(&again),
        &format!(
            "csrf_token={}&email=ann%40example.com&next=%2Faccount",
            csrf(&html)
        ),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let _ = mail(&s, 3);
    // Sign out everywhere else from the first device kills the second.
    let t = csrf(&get(&s, "/account", Some(&signed)).text());
    assert_eq!(
        post(
            &s,
            "/account/sign-out-everywhere",
            Some(&signed),
            &format!("csrf_token={t}")
        )
        .status,
        303
    );
    assert_eq!(get(&s, "/account", Some(&other)).status, 303);
    assert_eq!(get(&s, "/account", Some(&signed)).status, 200);
    // Sign out kills this one.
    let t = csrf(&get(&s, "/account", Some(&signed)).text());
    let r = post(
        &s,
        "/account/sign-out",
        Some(&signed),
        &format!("csrf_token={t}"),
    );
    assert_eq!(r.status, 303);
    assert_eq!(get(&s, "/account", Some(&signed)).status, 303);
}

#[test]
fn csrf_missing_or_wrong_is_403_and_writes_nothing() {
    let s = Store::empty();
    let p = get(&s, "/account/sign-in", None);
    let cookie = set_cookie(&p).unwrap();
    let count = |s: &Store| -> i64 {
        s.app()
            .db
            .read()
            .unwrap()
            .query_row("SELECT count(*) FROM sign_in_requests", [], |r| r.get(0))
            .unwrap()
    };
    for body in [
        "email=a%40example.com",
        "csrf_token=wrong&email=a%40example.com",
        "csrf_token=&email=a%40example.com",
    ] {
        let r = post(&s, "/account/sign-in", Some(&cookie), body);
        assert_eq!(r.status, 403, "{body}");
        assert!(r.text().contains("Request id"));
    }
    // A valid token without its session cookie is refused too.
    let r = post(
        &s,
        "/account/sign-in",
        None,
        &format!("csrf_token={}&email=a%40example.com", csrf(&p.text())),
    );
    assert_eq!(r.status, 403);
    assert_eq!(count(&s), 0, "nothing written");
}

#[test]
fn answers_do_not_reveal_accounts_and_next_stays_local() {
    let s = Store::empty();
    // Make "known@example.com" a customer first.
    s.app()
        .db
        .write_tx(|tx| boutique::shop::accounts::find_or_create(tx, "known@example.com", 1))
        .unwrap();
    let (_, known) = start_sign_in(&s, "known%40example.com", "%2F");
    let (_, unknown) = start_sign_in(&s, "stranger%40example.com", "%2F");
    assert_eq!(known.status, unknown.status);
    let strip = |p: &Page, email: &str| {
        let t = p.text().replace(email, "EMAIL");
        let i = t.find("csrf_token\" value=\"").unwrap();
        format!("{}{}", &t[..i], &t[i + 62..])
    };
    assert_eq!(
        strip(&known, "known@example.com"),
        strip(&unknown, "stranger@example.com")
    );
    // next= to another host is ignored.
    let (guest, _) = start_sign_in(&s, "nx%40example.com", "https%3A%2F%2Fevil.example%2F");
    let (code, _, _) = mail(&s, 3);
    let t = csrf(&get(&s, "/account/sign-in", Some(&guest)).text());
    let r = post(
        &s,
        "/account/sign-in/code",
        Some(&guest),
        &format!("csrf_token={t}&code={code}"),
    );
    assert_eq!(r.status, 303);
    assert_eq!(r.header("location"), Some("/account"));
    // Bad email: a clear 400 on the form.
    let p = get(&s, "/account/sign-in", None);
    let c = set_cookie(&p).unwrap();
    let r = post(
        &s,
        "/account/sign-in",
        Some(&c),
        &format!("csrf_token={}&email=not-an-email", csrf(&p.text())),
    );
    assert_eq!(r.status, 400);
    assert!(r.text().contains("valid email"));
}

#[test]
fn profile_and_order_history_pages() {
    let s = Store::empty();
    assert_eq!(get(&s, "/account/orders", None).status, 303);
    let me = common::sign_in(&s, "dev%40example.com");
    let page = get(&s, "/account/orders", Some(&me));
    assert_eq!(page.status, 200);
    assert!(page.text().contains("no orders yet"));
    let acct = get(&s, "/account", Some(&me)).text();
    let token = common::csrf(&acct);
    let r = post(
        &s,
        "/account/profile",
        Some(&me),
        &format!("csrf_token={token}&name=Dev+Patel&phone=%2B91+98765+43210"),
    );
    assert_eq!(r.status, 303);
    let acct = get(&s, "/account", Some(&me)).text();
    assert!(acct.contains("value=\"Dev Patel\""));
    assert!(acct.contains("value=\"+91 98765 43210\""));
    // Bad phone: a clear 400 and nothing changes.
    let r = post(
        &s,
        "/account/profile",
        Some(&me),
        &format!("csrf_token={token}&name=X&phone=call+me"),
    );
    assert_eq!(r.status, 400);
    assert!(r.text().contains("6 to 15 digits"));
    assert!(
        get(&s, "/account", Some(&me))
            .text()
            .contains("value=\"Dev Patel\"")
    );
    // No CSRF: 403 and nothing changes.
    assert_eq!(
        post(&s, "/account/profile", Some(&me), "name=Y&phone=").status,
        403
    );
    assert!(
        get(&s, "/account", Some(&me))
            .text()
            .contains("value=\"Dev Patel\"")
    );
}

const HOME: &str = "name=Asha+Rao&phone=%2B91+98765+43210&line1=12+MG+Road&line2=&city=Bengaluru&region=Karnataka&postal_code=560001&country=in";

#[test]
fn address_book_add_edit_default_delete_and_isolation() {
    let s = Store::empty();
    assert_eq!(get(&s, "/account/addresses", None).status, 303);
    let me = common::sign_in(&s, "asha%40example.com");
    let t = common::csrf(&get(&s, "/account/addresses", Some(&me)).text());
    let r = post(
        &s,
        "/account/addresses",
        Some(&me),
        &format!("csrf_token={t}&{HOME}"),
    );
    assert_eq!(r.status, 303, "{}", r.text());
    let r = post(
        &s,
        "/account/addresses",
        Some(&me),
        &format!(
            "csrf_token={t}&{}",
            HOME.replace("12+MG+Road", "7+Park+Street")
                .replace("Bengaluru", "Kolkata")
        ),
    );
    assert_eq!(r.status, 303);
    let ids: Vec<(i64, bool)> = {
        let c = s.app().db.read().unwrap();
        let mut st = c
            .prepare("SELECT id, is_default FROM addresses ORDER BY id")
            .unwrap();
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(|r| r.unwrap())
            .collect()
    };
    assert_eq!(ids.len(), 2);
    assert!(ids[0].1 && !ids[1].1, "the first address is the default");
    let page = get(&s, "/account/addresses", Some(&me)).text();
    assert!(page.contains("12 MG Road") && page.contains("7 Park Street") && page.contains("IN"));
    // Bad input: 400 with a clear message, nothing written.
    for bad in [
        HOME.replace("phone=%2B91+98765+43210", "phone=abc"),
        HOME.replace("country=in", "country=India"),
        HOME.replace("city=Bengaluru", "city="),
    ] {
        let r = post(
            &s,
            "/account/addresses",
            Some(&me),
            &format!("csrf_token={t}&{bad}"),
        );
        assert_eq!(r.status, 400, "{bad}");
        assert!(r.text().contains("notice error"));
    }
    // Edit, make default, delete.
    let r = post(
        &s,
        &format!("/account/addresses/{}", ids[1].0),
        Some(&me),
        &format!("csrf_token={t}&{}", HOME.replace("Bengaluru", "Mysuru")),
    );
    assert_eq!(r.status, 303);
    assert!(
        get(&s, &format!("/account/addresses/{}", ids[1].0), Some(&me))
            .text()
            .contains("Mysuru")
    );
    assert_eq!(
        post(
            &s,
            &format!("/account/addresses/{}/default", ids[1].0),
            Some(&me),
            &format!("csrf_token={t}")
        )
        .status,
        303
    );
    let defaults: i64 = s
        .app()
        .db
        .read()
        .unwrap()
        .query_row("SELECT id FROM addresses WHERE is_default = 1", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(defaults, ids[1].0);
    // Another customer cannot see, edit, default or delete them.
    let other = common::sign_in(&s, "other%40example.com");
    let ot = common::csrf(&get(&s, "/account/addresses", Some(&other)).text());
    assert_eq!(
        get(
            &s,
            &format!("/account/addresses/{}", ids[0].0),
            Some(&other)
        )
        .status,
        404
    );
    assert!(
        !get(&s, "/account/addresses", Some(&other))
            .text()
            .contains("MG Road")
    );
    for action in ["", "/default", "/delete"] {
        let r = post(
            &s,
            &format!("/account/addresses/{}{action}", ids[0].0),
            Some(&other),
            &format!("csrf_token={ot}&{HOME}"),
        );
        assert_eq!(r.status, 404, "{action}");
    }
    assert!(
        get(&s, &format!("/account/addresses/{}", ids[0].0), Some(&me))
            .text()
            .contains("12 MG Road")
    );
    // Deleting the default promotes the remaining one; CSRF is required.
    assert_eq!(
        post(
            &s,
            &format!("/account/addresses/{}/delete", ids[1].0),
            Some(&me),
            "csrf_token=bad"
        )
        .status,
        403
    );
    assert_eq!(
        post(
            &s,
            &format!("/account/addresses/{}/delete", ids[1].0),
            Some(&me),
            &format!("csrf_token={t}")
        )
        .status,
        303
    );
    let left: Vec<(i64, bool)> = {
        let c = s.app().db.read().unwrap();
        let mut st = c.prepare("SELECT id, is_default FROM addresses").unwrap();
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(|r| r.unwrap())
            .collect()
    };
    assert_eq!(left, vec![(ids[0].0, true)]);
}

/// The email on the account changes only once the new address is proven; the old address
/// is told; an address that already has an account is refused after the proof.
#[test]
fn email_change_needs_proof_of_the_new_address() {
    let s = Store::empty();
    let me = common::sign_in(&s, "old%40example.com");
    let acct = get(&s, "/account", Some(&me)).text();
    let token = common::csrf(&acct);
    // Bad address: 400 on the account page, nothing mailed.
    let before = common::mail_count(&s);
    let r = post(
        &s,
        "/account/email",
        Some(&me),
        &format!("csrf_token={token}&email=not-an-email"),
    );
    assert_eq!(r.status, 400);
    assert!(r.text().contains("valid email address"));
    // No CSRF: 403.
    assert_eq!(
        post(&s, "/account/email", Some(&me), "email=new%40example.com").status,
        403
    );
    assert_eq!(common::mail_count(&s), before);

    let r = post(
        &s,
        "/account/email",
        Some(&me),
        &format!("csrf_token={token}&email=New%40Example.com"),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.text().contains("new@example.com"));
    let (_, link, raw) = mail(&s, before + 1);
    assert!(raw.contains("To: new@example.com"), "{raw}");
    assert!(raw.contains("Confirm your new email address"));
    // Not moved yet.
    assert!(
        get(&s, "/account", Some(&me))
            .text()
            .contains("old@example.com")
    );
    // The link (any device, here without a cookie) moves the account.
    let r = get(&s, &link, None);
    assert_eq!(r.status, 303);
    assert_eq!(r.header("location"), Some("/account?changed=email"));
    let page = get(&s, "/account?changed=email", Some(&me)).text();
    assert!(page.contains("Your account now uses"));
    assert!(page.contains("new@example.com"));
    // The old address hears about it (the notice has no link; read the raw files). The
    // mail worker writes it after the request commits, so wait for it.
    let start = std::time::Instant::now();
    let notice = loop {
        let found = std::fs::read_dir(s.data_dir().join("mail"))
            .unwrap()
            .filter_map(|e| std::fs::read_to_string(e.unwrap().path()).ok())
            .find(|m| m.contains("To: old@example.com") && m.contains("was changed"));
        if let Some(m) = found {
            break m;
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(15),
            "no notice to the old address"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert!(notice.contains("new@example.com"));
    // Used once only.
    assert_eq!(get(&s, &link, None).status, 400);
    // Signing in with the new address reaches the same account (profile kept).
    let again = common::sign_in(&s, "new%40example.com");
    assert!(
        get(&s, "/account", Some(&again))
            .text()
            .contains("new@example.com")
    );

    // Someone else's address: proven, then refused, nothing changes.
    let _other = common::sign_in(&s, "taken%40example.com");
    let token = common::csrf(&get(&s, "/account", Some(&again)).text());
    let before = common::mail_count(&s);
    let r = post(
        &s,
        "/account/email",
        Some(&again),
        &format!("csrf_token={token}&email=taken%40example.com"),
    );
    assert_eq!(r.status, 200);
    let (code, _, _) = mail(&s, before + 1);
    let r = post(
        &s,
        "/account/sign-in/code",
        Some(&again),
        &format!("csrf_token={}&code={code}", common::csrf(&r.text())),
    );
    assert_eq!(r.status, 409, "{}", r.text());
    assert!(r.text().contains("already has its own account"));
    assert!(
        get(&s, "/account", Some(&again))
            .text()
            .contains("new@example.com")
    );
}

/// Too many sign-in requests: a 429 page that says when to come back, with Retry-After.
#[test]
fn sign_in_rate_limit_page_says_when_to_retry() {
    let s = Store::empty();
    let p = s.get("/account/sign-in");
    let guest = set_cookie(&p).unwrap();
    let token = csrf(&p.text());
    let mut last = None;
    for _ in 0..=6 {
        last = Some(post(
            &s,
            "/account/sign-in",
            Some(&guest),
            &format!("csrf_token={token}&email=busy%40example.com"),
        ));
    }
    let r = last.unwrap();
    assert_eq!(r.status, 429);
    let wait: i64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=15 * 60).contains(&wait), "{wait}");
    assert!(r.text().contains("try again in"));
}
