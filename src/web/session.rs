//! Sessions and CSRF at the web edge: reading the session cookie, creating a guest session
//! only when a page needs one (a form), the Set-Cookie line (HttpOnly, SameSite=Lax, Secure
//! on https stores), the client address behind trusted proxies, and the CSRF check every
//! POST handler calls before touching anything.

use crate::app::App;
use crate::crypto;
use crate::error::{Error, Kind, Result};
use crate::http::query::Params;
use crate::http::{Req, Resp};
use crate::shop::accounts::sessions::{self, ABSOLUTE_SECS, Session};
use std::net::IpAddr;

pub const COOKIE: &str = "bq_sid";

/// The value of one cookie from the Cookie header.
pub fn cookie<'a>(req: &'a Req, name: &str) -> Option<&'a str> {
    req.header("cookie")?
        .split(';')
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The live session of this request, if its cookie names one.
pub fn current(app: &App, req: &Req) -> Result<Option<Session>> {
    let Some(token) = cookie(req, COOKIE) else {
        return Ok(None);
    };
    let found = sessions::find(&*app.db.read()?, token, crate::db::now())?;
    if let Some(s) = &found {
        crate::service::sessions::touch_if_due(app, s)?;
    }
    Ok(found)
}

/// The session of this request, creating a guest one when there is none. Returns the
/// cookie token to set when a session was created.
pub fn ensure(app: &App, req: &Req) -> Result<(Session, Option<String>)> {
    if let Some(s) = current(app, req)? {
        return Ok((s, None));
    }
    let ua = req.header("user-agent").unwrap_or("");
    let ip = client_ip(app, req).to_string();
    let (token, s) = crate::service::sessions::start_guest(app, ua, &ip)?;
    Ok((s, Some(token)))
}

/// Adds the session cookie. `Secure` when the store's public URL is https.
pub fn set_cookie(app: &App, resp: &mut Resp, token: &str) {
    let secure = if app.cfg().store.url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    resp.set_header(
        "Set-Cookie",
        format!(
            "{COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={ABSOLUTE_SECS}{secure}"
        ),
    );
    resp.set_header("Cache-Control", "no-store");
}

pub fn clear_cookie(resp: &mut Resp) {
    resp.set_header(
        "Set-Cookie",
        format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"),
    );
}

/// The shopper's address: the peer, or — only when the peer is a configured trusted proxy —
/// the right-most X-Forwarded-For entry that is not itself a trusted proxy. The server
/// works it out once per request (`Req::client`, the same address its per-client
/// connection limit counts), so both use one rule.
pub fn client_ip(_app: &App, req: &Req) -> IpAddr {
    req.client
}

/// The url-encoded form of a POST (other body types are refused).
pub fn form(req: &Req) -> Result<Params> {
    let ct = req.header("content-type").unwrap_or("");
    if !ct.starts_with("application/x-www-form-urlencoded") {
        return Err(Error::new(
            Kind::UnsupportedMedia,
            "This form must be sent as a normal web form.",
        ));
    }
    let body = std::str::from_utf8(&req.body)
        .map_err(|_| Error::bad_request("The form was not valid text."))?;
    Ok(Params::parse(body))
}

/// The CSRF check: the form's `csrf_token` must equal the session's token. Without a live
/// session or with a wrong token, nothing is done (403).
pub fn check_csrf(session: Option<&Session>, form: &Params) -> Result<()> {
    let forbidden = || {
        Error::new(
            Kind::Forbidden,
            "This form has expired or did not come from this site. Please go back, reload the page and try again.",
        )
    };
    let s = session.ok_or_else(forbidden)?;
    let sent = form.get("csrf_token").unwrap_or("");
    if crypto::same(sent.as_bytes(), s.csrf.as_bytes()) {
        Ok(())
    } else {
        Err(forbidden())
    }
}
