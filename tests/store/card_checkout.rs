//! Paying for an order by card, end to end over HTTP: the checkout writes the order with
//! its stock held and sends the shopper to the pay page, which opens the gateway's
//! payment page (made outside any transaction); the shopper's return, the webhook and the
//! owner's re-check converge on one capture. In sandbox mode the store's own simulator
//! plays the gateway (signed webhooks through the same verifier); in test mode the
//! adapters talk to the local fake Razorpay and Stripe servers of `common::fake_gateway`,
//! which follow specs/razorpay.md and specs/stripe.md. Also: the same bag coming back to
//! checkout gets the same order, a changed bag replaces it, an unpaid card order expires
//! and gives its stock back, a gateway that is down leaves the order pending with the
//! other methods open, and refunds go to the gateway and come back as its events.

use crate::common::fake_gateway::{FakeRazorpay, FakeStripe};
use crate::common::{self, Page, Store, count, csrf, form, post_form, send, stock};
use boutique::db::Tx;
use boutique::shop::catalog;

/// A shopper's browser: a guest session and its CSRF token.
struct Browser {
    cookie: String,
    csrf: String,
}

fn browser(s: &Store) -> Browser {
    let p = s.get("/cart/token");
    assert_eq!(p.status, 200);
    Browser {
        cookie: common::session_cookie(&p).expect("a guest session"),
        csrf: p.json()["csrf"].as_str().unwrap().to_string(),
    }
}

impl Browser {
    fn get(&self, s: &Store, path: &str) -> Page {
        s.get_with(path, &[("Cookie", &self.cookie)])
    }
    fn post(&self, s: &Store, path: &str, fields: &[(&str, &str)]) -> Page {
        let mut all = vec![("csrf_token", self.csrf.as_str())];
        all.extend_from_slice(fields);
        post_form(s, path, Some(&self.cookie), &form(&all))
    }
    fn add(&self, s: &Store, variant: i64, qty: i64) {
        let p = self.post(
            s,
            "/cart/add",
            &[("variant", &variant.to_string()), ("qty", &qty.to_string())],
        );
        assert_eq!(p.status, 303, "{}", p.text());
    }
    /// Fills in the checkout form (a fresh page, so a fresh idempotency key) and places
    /// the order by `method`; returns the answer (303 to the pay page or order page).
    fn checkout(&self, s: &Store, method: &str) -> Page {
        let page = self.get(s, "/checkout").text();
        let key = field(&page, "idempotency_key");
        self.post(
            s,
            "/checkout",
            &[
                ("idempotency_key", &key),
                ("email", "asha@example.com"),
                ("name", "Asha Rao"),
                ("phone", "98765 43210"),
                ("line1", "12 MG Road"),
                ("city", "Pune"),
                ("region", "MH"),
                ("postal_code", "411001"),
                ("country", "IN"),
                ("method", method),
            ],
        )
    }
}

/// The value of the named hidden field of a page.
fn field(html: &str, name: &str) -> String {
    let pat = format!("name=\"{name}\" value=\"");
    let i = html.find(&pat).unwrap_or_else(|| panic!("no {name}")) + pat.len();
    html[i..i + html[i..].find('"').unwrap()].to_string()
}

fn location(p: &Page) -> String {
    p.header("location")
        .unwrap_or_else(|| panic!("no Location ({}): {}", p.status, p.text()))
        .to_string()
}

/// A product of one variant at 500.00 with `stock` units; returns the variant id.
fn product(s: &Store, slug: &str, stock: i64) -> i64 {
    let now = boutique::db::now();
    s.app()
        .db
        .write_tx(|tx: &Tx| {
            let sku = slug.to_uppercase();
            catalog::create_simple_product(tx, slug, "Linen scarf", &sku, 50_000, stock, now)
                .map(|(_, v)| v)
        })
        .unwrap()
}

fn order_number(loc: &str) -> String {
    loc.trim_start_matches("/orders/")
        .split(['/', '?'])
        .next()
        .unwrap()
        .to_string()
}

fn status_of(s: &Store, number: &str) -> (String, String) {
    let conn = s.app().db.read().unwrap();
    conn.query_row(
        "SELECT status, payment_status FROM orders WHERE number = ?1",
        [number],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .unwrap()
}

fn bag_lines(s: &Store) -> i64 {
    count(s, "SELECT count(*) FROM cart_lines")
}

/// The sandbox's payment page for a pay page that links or redirects to it: follows to
/// it, presses `action` (pay | fail | abandon) and returns where the browser is sent.
fn sandbox_press(s: &Store, b: &Browser, sandbox: &str, action: &str) -> String {
    let page = b.get(s, sandbox);
    assert_eq!(page.status, 200, "{}", page.text());
    assert!(page.text().contains("Sandbox"), "marked as pretend");
    let token = csrf(&page.text());
    let p = post_form(
        s,
        sandbox,
        Some(&b.cookie),
        &form(&[("csrf_token", &token), ("do", action)]),
    );
    assert_eq!(p.status, 303, "{}", p.text());
    location(&p)
}

#[test]
fn sandbox_razorpay_pays_from_checkout_to_the_confirmed_order() {
    let s = Store::empty();
    let v = product(&s, "scarf-rzp", 5);
    let b = browser(&s);
    b.add(&s, v, 2);
    let checkout = b.get(&s, "/checkout").text();
    assert!(
        checkout.contains("value=\"razorpay\""),
        "sandbox Razorpay is offered"
    );
    assert!(
        checkout.contains("value=\"stripe\""),
        "sandbox Stripe is offered"
    );

    let placed = b.checkout(&s, "razorpay");
    assert_eq!(placed.status, 303, "{}", placed.text());
    let pay = location(&placed);
    assert!(pay.contains("/pay?token="), "{pay}");
    let number = order_number(&pay);
    assert_eq!(
        status_of(&s, &number),
        ("pending_payment".into(), "unpaid".into())
    );
    assert_eq!(stock(&s, v), 3, "stock held by the pending order");
    assert_eq!(
        bag_lines(&s),
        1,
        "the bag stays until the payment is captured"
    );

    let page = b.get(&s, &pay);
    assert_eq!(page.status, 200);
    let html = page.text();
    assert!(html.contains("Pay ₹1,099.00"), "{html}");
    let i = html
        .find("href=\"/sandbox/razorpay/")
        .expect("sandbox link")
        + 6;
    let sandbox = html[i..i + html[i..].find('"').unwrap()].to_string();
    // Opening the page twice makes no second gateway order.
    b.get(&s, &pay);
    assert_eq!(count(&s, "SELECT count(*) FROM sandbox_objects"), 1);

    let back = sandbox_press(&s, &b, &sandbox, "pay");
    assert!(back.contains("razorpay_signature="), "{back}");
    // The sandbox's signed webhook came first and captured the payment.
    assert_eq!(status_of(&s, &number), ("confirmed".into(), "paid".into()));
    let done = b.get(&s, &back);
    assert_eq!(done.status, 303);
    let order_page = location(&done);
    assert!(order_page.contains("payment=received"), "{order_page}");
    let shown = b.get(&s, &order_page).text();
    assert!(shown.contains("data-payment=\"paid\""));
    assert!(shown.contains("your payment is received"));

    assert_eq!(stock(&s, v), 3, "stock taken once");
    assert_eq!(bag_lines(&s), 0, "the bag is paid for");
    assert_eq!(
        count(
            &s,
            "SELECT count(*) FROM gateway_events WHERE signature_ok = 1 AND event_type = 'payment.captured'"
        ),
        1
    );
    assert_eq!(
        count(
            &s,
            "SELECT count(*) FROM order_events WHERE kind = 'payment_captured'"
        ),
        1,
        "one capture although the webhook and the return both reported it"
    );
    // The return replayed: still one capture, still paid.
    assert_eq!(b.get(&s, &back).status, 303);
    assert_eq!(
        count(
            &s,
            "SELECT count(*) FROM order_events WHERE kind = 'payment_captured'"
        ),
        1
    );
    // A forged Checkout result is refused and changes nothing.
    let forged = back.replace("razorpay_signature=", "razorpay_signature=0");
    assert_eq!(b.get(&s, &forged).status, 400);
    common::ledger_balanced(&s);
}

#[test]
fn sandbox_stripe_declines_abandons_and_pays_with_the_bag_kept_until_paid() {
    let s = Store::empty();
    let v = product(&s, "scarf-stripe", 4);
    let b = browser(&s);
    b.add(&s, v, 1);
    let placed = b.checkout(&s, "stripe");
    let pay = location(&placed);
    let number = order_number(&pay);
    let to_stripe = b.get(&s, &pay);
    assert_eq!(
        to_stripe.status, 303,
        "Stripe is a redirect to its hosted page"
    );
    let sandbox = location(&to_stripe);
    assert!(sandbox.starts_with("/sandbox/stripe/cs_test_"), "{sandbox}");

    let declined = sandbox_press(&s, &b, &sandbox, "fail");
    assert!(declined.contains("declined=1"));
    assert!(b.get(&s, &declined).text().contains("declined"));
    assert_eq!(
        status_of(&s, &number),
        ("pending_payment".into(), "unpaid".into())
    );

    let left = sandbox_press(&s, &b, &sandbox, "abandon");
    assert!(left.starts_with(&format!("/orders/{number}/pay")), "{left}");
    assert!(left.contains("left=1"));
    assert_eq!(bag_lines(&s), 1, "the bag is still there after leaving");
    assert_eq!(status_of(&s, &number).0, "pending_payment");

    let back = sandbox_press(&s, &b, &sandbox, "pay");
    assert!(back.contains("session_id=cs_test_"), "{back}");
    let done = b.get(&s, &back);
    assert!(location(&done).contains("payment=received"));
    assert_eq!(status_of(&s, &number), ("confirmed".into(), "paid".into()));
    assert_eq!(bag_lines(&s), 0);
    assert_eq!(stock(&s, v), 3);
    // Another order's session id is not this order's.
    let wrong = back.replace("session_id=cs_test_", "session_id=cs_test_x");
    assert_eq!(b.get(&s, &wrong).status, 400);
}

#[test]
fn the_same_bag_gets_the_same_card_order_and_a_changed_one_replaces_it() {
    let s = Store::empty();
    let v = product(&s, "scarf-again", 5);
    let b = browser(&s);
    b.add(&s, v, 2);
    let first = order_number(&location(&b.checkout(&s, "razorpay")));
    // Back to checkout with the same bag (a fresh page, a fresh key): the same order.
    let again = order_number(&location(&b.checkout(&s, "razorpay")));
    assert_eq!(first, again);
    assert_eq!(count(&s, "SELECT count(*) FROM orders"), 1);
    assert_eq!(stock(&s, v), 3, "held once");

    // The bag changes: the waiting order is replaced, its stock back first.
    b.add(&s, v, 1);
    let placed = b.checkout(&s, "razorpay");
    let second = order_number(&location(&placed));
    assert_ne!(first, second);
    assert_eq!(status_of(&s, &first).0, "cancelled");
    assert_eq!(status_of(&s, &second).0, "pending_payment");
    assert_eq!(stock(&s, v), 2, "only the new order holds stock");

    // Choosing cash on delivery instead replaces it too, and empties the bag.
    let cod = b.checkout(&s, "cod");
    let third = order_number(&location(&cod));
    assert_eq!(status_of(&s, &second).0, "cancelled");
    assert_eq!(status_of(&s, &third).0, "confirmed");
    assert_eq!(stock(&s, v), 2);
    assert_eq!(bag_lines(&s), 0);
    common::ledger_balanced(&s);
}

#[test]
fn an_unpaid_card_order_expires_after_its_window_and_gives_the_stock_back() {
    let s = Store::with_config(
        &format!(
            "{}\n[payments.stripe]\npayment_window_minutes = 10\n",
            common::BASE_CONFIG
        ),
        false,
    );
    let v = product(&s, "scarf-expire", 3);
    let b = browser(&s);
    b.add(&s, v, 2);
    let number = order_number(&location(&b.checkout(&s, "stripe")));
    let pay_by = count(
        &s,
        &format!("SELECT pay_by - created_at FROM orders WHERE number = '{number}'"),
    );
    assert_eq!(pay_by, 600, "the gateway's window, not the bank transfer's");
    let now = boutique::db::now();
    boutique::service::orders::sweep(s.app(), now + 300).unwrap();
    assert_eq!(status_of(&s, &number).0, "pending_payment");
    assert_eq!(
        count(
            &s,
            "SELECT count(*) FROM order_events WHERE kind = 'reminder_sent'"
        ),
        0,
        "no bank-transfer reminder for a card order"
    );
    boutique::service::orders::sweep(s.app(), now + 601).unwrap();
    assert_eq!(status_of(&s, &number).0, "cancelled");
    assert_eq!(stock(&s, v), 3);
    // The pay page now says it cannot be paid: it goes to the order page.
    let p = b.get(&s, &format!("/orders/{number}/pay?token=x"));
    assert_eq!(p.status, 404, "no token, no order");
    common::ledger_balanced(&s);
}

/// A store whose card gateways are the local fakes, in test mode.
fn with_fakes(rzp: &FakeRazorpay, stripe: &FakeStripe) -> Store {
    Store::with_config(
        &format!(
            "{}\n[payments.razorpay]\nmode = \"test\"\nkey_id = \"{}\"\nkey_secret = \"{}\"\nwebhook_secret = \"{}\"\nbase_url = \"{}\"\n\n[payments.stripe]\nmode = \"test\"\nsecret_key = \"{}\"\nwebhook_secret = \"{}\"\nbase_url = \"{}\"\n",
            common::BASE_CONFIG,
            rzp.key_id,
            rzp.key_secret,
            rzp.webhook_secret,
            rzp.base,
            stripe.secret_key,
            stripe.webhook_secret,
            stripe.base
        ),
        false,
    )
}

fn fakes() -> (FakeRazorpay, FakeStripe) {
    (
        FakeRazorpay::start("rzp_test_fake01", "rzp_fake_key_secret", "rzp_fake_webhook"),
        FakeStripe::start("sk_test_fake01", "whsec_fake_boutique"),
    )
}

/// Places a Razorpay order and opens its pay page; returns (number, pay page URL,
/// Razorpay order id as the fake made it).
fn razorpay_order(s: &Store, b: &Browser, rzp: &FakeRazorpay, v: i64) -> (String, String, String) {
    b.add(s, v, 1);
    let pay = location(&b.checkout(s, "razorpay"));
    let number = order_number(&pay);
    let page = b.get(s, &pay);
    assert_eq!(page.status, 200, "{}", page.text());
    let html = page.text();
    let remote = rzp.orders().last().expect("an order at the fake")["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(html.contains(&format!("data-order=\"{remote}\"")), "{html}");
    assert!(html.contains("data-key=\"rzp_test_fake01\""));
    assert!(html.contains("https://checkout.razorpay.com/v1/checkout.js"));
    let csp = page.header("content-security-policy").unwrap().to_string();
    assert!(
        csp.contains("script-src 'self' https://checkout.razorpay.com;"),
        "{csp}"
    );
    assert!(!csp.contains("stripe"), "{csp}");
    (number, pay, remote)
}

#[test]
fn razorpay_test_mode_creates_the_order_verifies_the_return_and_captures_once() {
    let (rzp, stripe) = fakes();
    let s = with_fakes(&rzp, &stripe);
    let v = product(&s, "scarf-fake", 5);
    let b = browser(&s);
    let (number, pay, remote) = razorpay_order(&s, &b, &rzp, v);
    let made = &rzp.orders()[0];
    assert_eq!(
        made["amount"], 59_900,
        "paise of the order total (500.00 + 99.00 shipping)"
    );
    assert_eq!(made["currency"], "INR");
    assert_eq!(made["receipt"], number.as_str());

    let (payment, signature) = rzp.pay(&remote, None);
    let token = pay.split("token=").nth(1).unwrap().to_string();
    // Webhook and the browser's return at the same instant, from two threads.
    let url = s.url.clone();
    let rzp2 = rzp.clone();
    let ev = rzp.event("payment.captured", &payment);
    let hook = std::thread::spawn(move || rzp2.deliver(&url, &ev));
    let ret = format!("/orders/{number}/paid/razorpay?token={token}");
    let body = form(&[
        ("razorpay_payment_id", &payment),
        ("razorpay_order_id", &remote),
        ("razorpay_signature", &signature),
    ]);
    // Razorpay's callback is a cross-site form POST: no cookie, no CSRF token.
    let back = send(
        "POST",
        &format!("{}{ret}", s.url),
        &[("Content-Type", "application/x-www-form-urlencoded")],
        Some(body.into_bytes()),
    );
    assert_eq!(hook.join().unwrap(), 200);
    assert_eq!(back.status, 303, "{}", back.text());
    assert!(location(&back).contains("payment=received"));
    assert_eq!(status_of(&s, &number), ("confirmed".into(), "paid".into()));
    assert_eq!(
        count(
            &s,
            "SELECT count(*) FROM order_events WHERE kind = 'payment_captured'"
        ),
        1
    );
    // order.paid after it, and a late payment.failed of another try: nothing changes.
    assert_eq!(rzp.deliver(&s.url, &rzp.event("order.paid", &remote)), 200);
    let failed = rzp.fail(&remote);
    assert_eq!(
        rzp.deliver(&s.url, &rzp.event("payment.failed", &failed)),
        200
    );
    assert_eq!(status_of(&s, &number), ("confirmed".into(), "paid".into()));
    // A signature over another order id (the browser's, not ours) is refused.
    let other = boutique::crypto::hex(
        &boutique::crypto::Hmac::new(rzp.key_secret.as_bytes())
            .sign(format!("order_other|{payment}").as_bytes()),
    );
    let forged = send(
        "POST",
        &format!("{}{ret}", s.url),
        &[("Content-Type", "application/x-www-form-urlencoded")],
        Some(
            form(&[
                ("razorpay_payment_id", &payment),
                ("razorpay_order_id", "order_other"),
                ("razorpay_signature", &other),
            ])
            .into_bytes(),
        ),
    );
    assert_eq!(forged.status, 400);
}

#[test]
fn a_webhook_before_the_return_and_a_missed_webhook_found_by_the_owners_recheck() {
    let (rzp, stripe) = fakes();
    let s = with_fakes(&rzp, &stripe);
    let v = product(&s, "scarf-early", 5);
    // Signed in before any order mail is written (sign-in reads the latest mail).
    let owner = common::owner(&s);
    let b = browser(&s);
    let (first, pay, remote) = razorpay_order(&s, &b, &rzp, v);
    let (payment, signature) = rzp.pay(&remote, None);
    assert_eq!(
        rzp.deliver(&s.url, &rzp.event("payment.captured", &payment)),
        200
    );
    assert_eq!(status_of(&s, &first).1, "paid", "the webhook came first");
    let token = pay.split("token=").nth(1).unwrap();
    let back = b.get(
        &s,
        &format!("/orders/{first}/paid/razorpay?token={token}&razorpay_payment_id={payment}&razorpay_order_id={remote}&razorpay_signature={signature}"),
    );
    assert!(
        location(&back).contains("payment=received"),
        "already paid is fine"
    );

    // Second order: the shopper pays, but neither the webhook nor the browser arrives.
    let (second, _, remote2) = razorpay_order(&s, &b, &rzp, v);
    rzp.pay(&remote2, None);
    let page = common::get_signed_in(&s, &format!("/admin/orders/{second}"), &owner).text();
    assert!(page.contains("Re-check with Razorpay"), "{page}");
    let p = common::post_from(
        &s,
        &owner,
        &format!("/admin/orders/{second}"),
        &format!("/admin/orders/{second}/recheck"),
        &[],
    );
    assert_eq!(p.status, 200, "{}", p.text());
    assert!(p.text().contains("captured"), "{}", p.text());
    assert_eq!(status_of(&s, &second), ("confirmed".into(), "paid".into()));
    let by: String = s
        .app()
        .db
        .read()
        .unwrap()
        .query_row(
            "SELECT captured_by FROM gateway_payments WHERE remote_id = ?1",
            [&remote2],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(by, "owner re-check");
}

#[test]
fn a_gateway_that_is_down_leaves_the_order_waiting_and_a_retry_opens_one_page() {
    let (rzp, stripe) = fakes();
    let s = with_fakes(&rzp, &stripe);
    let v = product(&s, "scarf-down", 5);
    let b = browser(&s);
    b.add(&s, v, 1);
    stripe.set_down(Some(503));
    let pay = location(&b.checkout(&s, "stripe"));
    let number = order_number(&pay);
    let page = b.get(&s, &pay);
    assert_eq!(page.status, 200);
    let html = page.text();
    assert!(html.contains("could not reach Stripe"), "{html}");
    assert!(html.contains("Pay another way"));
    assert_eq!(status_of(&s, &number).0, "pending_payment");
    let why: String = s
        .app()
        .db
        .read()
        .unwrap()
        .query_row("SELECT last_error FROM gateway_payments", [], |r| r.get(0))
        .unwrap();
    assert!(why.contains("503"), "{why}");
    // The other methods are still there at checkout, with the bag.
    let checkout = b.get(&s, "/checkout").text();
    assert!(checkout.contains("value=\"cod\"") && checkout.contains("value=\"bank_transfer\""));

    stripe.set_down(None);
    let retry = b.get(&s, &pay);
    assert_eq!(retry.status, 303);
    let hosted = location(&retry);
    assert!(hosted.starts_with("http://127.0.0.1:"), "{hosted}");
    assert_eq!(stripe.sessions().len(), 1);
    let params = stripe.last_create_params();
    let get = |k: &str| {
        params
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    assert_eq!(get("line_items[0][price_data][unit_amount]"), "59900");
    assert_eq!(get("line_items[0][price_data][currency]"), "inr");
    assert_eq!(get("client_reference_id"), number);
    assert!(get("success_url").contains("{CHECKOUT_SESSION_ID}"));
    // Opening the page again reuses the session.
    assert_eq!(location(&b.get(&s, &pay)), hosted);
    assert_eq!(stripe.sessions().len(), 1);

    let sid = stripe.sessions()[0]["id"].as_str().unwrap().to_string();
    stripe.complete(&sid, None);
    let token = pay.split("token=").nth(1).unwrap();
    let back = b.get(
        &s,
        &format!("/orders/{number}/paid/stripe?token={token}&session_id={sid}"),
    );
    assert!(location(&back).contains("payment=received"));
    assert_eq!(status_of(&s, &number), ("confirmed".into(), "paid".into()));
    // The webhook after it is a no-op.
    assert_eq!(
        stripe.deliver(
            &s.url,
            &stripe.event("checkout.session.completed", &sid),
            None
        ),
        200
    );
    assert_eq!(
        count(
            &s,
            "SELECT count(*) FROM order_events WHERE kind = 'payment_captured'"
        ),
        1
    );
}

#[test]
fn keys_the_gateway_refuses_leave_the_order_waiting_with_the_reason_for_the_owner() {
    let (rzp, stripe) = fakes();
    let wrong = FakeRazorpay::start("rzp_test_other", "not_the_secret", "x");
    let s = Store::with_config(
        &format!(
            "{}\n[payments.razorpay]\nmode = \"test\"\nkey_id = \"rzp_test_fake01\"\nkey_secret = \"{}\"\nwebhook_secret = \"w\"\nbase_url = \"{}\"\n\n[payments.stripe]\nenabled = false\n",
            common::BASE_CONFIG,
            wrong.key_secret,
            rzp.base
        ),
        false,
    );
    drop(stripe);
    let v = product(&s, "scarf-keys", 2);
    let b = browser(&s);
    b.add(&s, v, 1);
    let pay = location(&b.checkout(&s, "razorpay"));
    let html = b.get(&s, &pay).text();
    assert!(html.contains("could not reach Razorpay"), "{html}");
    let why: String = s
        .app()
        .db
        .read()
        .unwrap()
        .query_row("SELECT last_error FROM gateway_payments", [], |r| r.get(0))
        .unwrap();
    assert!(why.contains("keys in store.toml were refused"), "{why}");
    assert!(rzp.orders().is_empty());
}

#[test]
fn refunds_go_to_the_gateway_once_and_its_event_confirms_them() {
    let (rzp, stripe) = fakes();
    let s = with_fakes(&rzp, &stripe);
    let v = product(&s, "scarf-refund", 5);
    let owner = common::owner(&s);
    let b = browser(&s);
    let (number, _, remote) = razorpay_order(&s, &b, &rzp, v);
    let (payment, _) = rzp.pay(&remote, None);
    assert_eq!(
        rzp.deliver(&s.url, &rzp.event("payment.captured", &payment)),
        200
    );
    let refund = |amount: &str| {
        common::post_from(
            &s,
            &owner,
            &format!("/admin/orders/{number}"),
            &format!("/admin/orders/{number}/refund"),
            &[("amount", amount), ("note", "one scarf came back")],
        )
    };
    let p = refund("200");
    assert_eq!(p.status, 303, "{}", p.text());
    // More than is left, counting the refund on its way: refused, nothing written.
    let over = refund("500");
    assert_eq!(over.status, 400, "{}", over.text());
    assert_eq!(count(&s, "SELECT count(*) FROM gateway_refunds"), 1);
    // The worker sends it (woken by the commit); the fake answers `processed`.
    wait(|| !rzp.refunds().is_empty());
    wait(|| status_of(&s, &number).1 == "partially_refunded");
    let r = &rzp.refunds()[0];
    assert_eq!(r["amount"], 20_000);
    // Its refund.processed event arrives afterwards (and twice): recorded once.
    let rid = r["id"].as_str().unwrap().to_string();
    let ev = rzp.event("refund.processed", &rid);
    assert_eq!(rzp.deliver(&s.url, &ev), 200);
    assert_eq!(rzp.deliver(&s.url, &ev), 200);
    assert_eq!(
        count(
            &s,
            &format!("SELECT refunded FROM orders WHERE number = '{number}'")
        ),
        20_000
    );
    assert_eq!(rzp.refunds().len(), 1);
    let page = common::get_signed_in(&s, &format!("/admin/orders/{number}"), &owner).text();
    assert!(
        page.contains(&rid),
        "the refund's gateway id is on the order page"
    );
}

/// Waits (up to 10 s) for the worker.
fn wait(mut f: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !f() {
        assert!(std::time::Instant::now() < deadline, "timed out");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn a_refund_event_ahead_of_its_capture_waits_for_it() {
    let (rzp, stripe) = fakes();
    let s = with_fakes(&rzp, &stripe);
    let v = product(&s, "scarf-overtaken", 5);
    let b = browser(&s);
    let (number, _, remote) = razorpay_order(&s, &b, &rzp, v);
    let (payment, _) = rzp.pay(&remote, None);
    // The owner refunds part of it in Razorpay's dashboard before any capture reaches us.
    let auth = format!(
        "Basic {}",
        base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            format!("{}:{}", rzp.key_id, rzp.key_secret)
        )
    );
    let made = send(
        "POST",
        &format!("{}/payments/{payment}/refund", rzp.base),
        &[
            ("Authorization", &auth),
            ("Content-Type", "application/json"),
            ("X-Refund-Idempotency", "dashboard_refund_1"),
        ],
        Some(br#"{"amount":10000}"#.to_vec()),
    );
    assert_eq!(made.status, 200, "{}", made.text());
    let rid = made.json()["id"].as_str().unwrap().to_string();
    let refund = rzp.event("refund.processed", &rid);
    // Ahead of the capture: not acknowledged (the gateway sends it again), nothing moved.
    assert_eq!(rzp.deliver(&s.url, &refund), 409);
    assert_eq!(
        status_of(&s, &number),
        ("pending_payment".into(), "unpaid".into())
    );
    assert_eq!(count(&s, "SELECT count(*) FROM gateway_refunds"), 0);
    // The capture, then the refund's redelivery: both applied, in that order, once.
    assert_eq!(
        rzp.deliver(&s.url, &rzp.event("payment.captured", &payment)),
        200
    );
    assert_eq!(rzp.deliver(&s.url, &refund), 200);
    assert_eq!(rzp.deliver(&s.url, &refund), 200);
    assert_eq!(
        status_of(&s, &number),
        ("confirmed".into(), "partially_refunded".into())
    );
    assert_eq!(
        count(
            &s,
            &format!("SELECT refunded FROM orders WHERE number = '{number}'")
        ),
        10_000
    );
    assert_eq!(
        count(&s, "SELECT count(*) FROM gateway_events WHERE deferred = 1"),
        1
    );

    // Stripe: charge.refunded before checkout.session.completed.
    b.add(&s, v, 1);
    let pay = location(&b.checkout(&s, "stripe"));
    let number = order_number(&pay);
    assert_eq!(b.get(&s, &pay).status, 303);
    let sid = stripe.sessions()[0]["id"].as_str().unwrap().to_string();
    stripe.complete(&sid, None);
    let pi = stripe.sessions()[0]["payment_intent"]
        .as_str()
        .unwrap()
        .to_string();
    let made = send(
        "POST",
        &format!("{}/refunds", stripe.base),
        &[
            ("Authorization", &format!("Bearer {}", stripe.secret_key)),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        Some(format!("payment_intent={pi}").into_bytes()),
    );
    assert_eq!(made.status, 200, "{}", made.text());
    let refunded = stripe.event("charge.refunded", &pi);
    assert_eq!(stripe.deliver(&s.url, &refunded, None), 409);
    let completed = stripe.event("checkout.session.completed", &sid);
    assert_eq!(stripe.deliver(&s.url, &completed, None), 200);
    assert_eq!(stripe.deliver(&s.url, &refunded, None), 200);
    assert_eq!(
        status_of(&s, &number),
        ("confirmed".into(), "refunded".into())
    );
}
