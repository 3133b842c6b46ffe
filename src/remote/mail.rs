//! Mail transports: how one outbox email leaves the store. [`Mailer`] is built from the
//! `[email]` config section and has three variants — `file` (an RFC 5322 `.eml` under
//! `data_dir/mail/`, the default: nothing leaves the machine), `smtp` (lettre, blocking,
//! 10 s timeout) and `resend` (Resend's HTTP API through ureq, see specs/email.md). Every
//! failure is sorted into [`SendError::Retry`] (the worker backs off and tries again) or
//! [`SendError::Permanent`] (retrying cannot help: bad address, rejected key...), which is
//! what the outbox's state machine needs. Secrets are never put into error text.

pub use super::SendError;
use crate::config::{EmailConfig, Secret};
use crate::error::{Error, Result};
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{Message, SmtpTransport, Transport};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Network calls give up after this long, so one dead peer cannot stall the worker.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// One email ready to go out, as the outbox hands it over.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub outbox_id: i64,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// Sent as Resend's `Idempotency-Key` and used for the Message-ID: a duplicate
    /// delivery (at-least-once after a crash) carries the same one.
    pub key: String,
    /// Unix seconds: the Date header and the start of the `.eml` file name.
    pub now: i64,
    /// A follow-up mail's one-click unsubscribe address: sent as `List-Unsubscribe` with
    /// `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058).
    pub unsubscribe: Option<String>,
}

pub enum Mailer {
    File {
        dir: PathBuf,
        from: Senders,
    },
    Smtp {
        transport: Box<SmtpTransport>,
        from: Senders,
    },
    Resend {
        agent: ureq::Agent,
        /// `{resend_base_url}/emails`
        endpoint: String,
        api_key: Secret,
        from: Senders,
    },
}

/// The From addresses: `[email] from` for everything, and `marketing_from` (when set) for
/// follow-up mail, which carries List-Unsubscribe — Gmail asks bulk senders to keep
/// subscription mail apart from transactional mail (specs/email.md §3.2).
#[derive(Debug, Clone)]
pub struct Senders {
    pub main: Mailbox,
    pub marketing: Option<Mailbox>,
}

impl Senders {
    /// Who sends `m`.
    pub fn of(&self, m: &Outgoing) -> &Mailbox {
        match (&m.unsubscribe, &self.marketing) {
            (Some(_), Some(f)) => f,
            _ => &self.main,
        }
    }
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Hand-written so the transport's credentials can never reach a log line.
        f.write_str(self.name())
    }
}

impl Mailer {
    /// Builds the transport `[email] transport` asks for. Errors are config problems
    /// (the worker logs them and leaves the queue untouched until the config is fixed).
    pub fn from_config(cfg: &EmailConfig, data_dir: &Path) -> Result<Mailer> {
        let main: Mailbox = cfg
            .from
            .parse()
            .map_err(|e| Error::internal(format!("[email] from {:?}: {e}", cfg.from)))?;
        let marketing = match cfg.marketing_from.trim() {
            "" => None,
            f => Some(
                f.parse::<Mailbox>()
                    .map_err(|e| Error::internal(format!("[email] marketing_from {f:?}: {e}")))?,
            ),
        };
        let from = Senders { main, marketing };
        match cfg.transport.as_str() {
            "smtp" => {
                let host = cfg.smtp_host.as_str();
                let builder = match cfg.smtp_tls.as_str() {
                    "tls" => SmtpTransport::relay(host),
                    "none" => Ok(SmtpTransport::builder_dangerous(host)),
                    _ => SmtpTransport::starttls_relay(host),
                }
                .map_err(|e| Error::internal(format!("smtp {host}: {e}")))?;
                let mut builder = builder.port(cfg.smtp_port).timeout(Some(TIMEOUT));
                if !cfg.smtp_username.is_empty() {
                    builder = builder.credentials(Credentials::new(
                        cfg.smtp_username.clone(),
                        cfg.smtp_password.expose().to_string(),
                    ));
                }
                Ok(Mailer::Smtp {
                    transport: Box::new(builder.build()),
                    from,
                })
            }
            "resend" => {
                let agent = super::agent(TIMEOUT);
                Ok(Mailer::Resend {
                    agent,
                    endpoint: format!("{}/emails", cfg.resend_base_url.trim_end_matches('/')),
                    api_key: cfg.resend_api_key.clone(),
                    from,
                })
            }
            _ => Ok(Mailer::File {
                dir: data_dir.join("mail"),
                from,
            }),
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Mailer::File { .. } => "file",
            Mailer::Smtp { .. } => "smtp",
            Mailer::Resend { .. } => "resend",
        }
    }

    /// Makes what `send` did durable before the worker records it as sent: for the file
    /// transport, one filesystem flush for the whole batch of .eml files. Network
    /// transports have nothing to flush.
    pub fn flush(&self) -> std::result::Result<(), SendError> {
        match self {
            Mailer::File { dir, .. } => crate::files::sync_filesystem(dir)
                .map_err(|e| SendError::Retry(format!("sync {}: {e}", dir.display()))),
            _ => Ok(()),
        }
    }

    /// Sends one email; `Ok` carries the provider's id when there is one (Resend's email
    /// id, the SMTP server's reply, the .eml file name). Blocking: call it from the worker.
    pub fn send(&self, m: &Outgoing) -> std::result::Result<Option<String>, SendError> {
        match self {
            Mailer::File { dir, from } => {
                let msg = build_message(from.of(m), m)?;
                std::fs::create_dir_all(dir)
                    .map_err(|e| SendError::Retry(format!("create {}: {e}", dir.display())))?;
                // The key's hash tells a re-send (new key) from a repeat delivery of the
                // same message (same key → same file, written again, not twice).
                let tag = crate::crypto::hex(&crate::crypto::token_hash(&m.key)[..4]);
                let name = format!("{}-{}-{tag}.eml", m.now, m.outbox_id);
                // Made durable once per batch by `flush`, not per file.
                crate::files::write_atomic_unsynced(&dir.join(&name), &msg.formatted())
                    .map_err(|e| SendError::Retry(format!("write {name}: {e}")))?;
                Ok(Some(name))
            }
            Mailer::Smtp { transport, from } => {
                let msg = build_message(from.of(m), m)?;
                match transport.send(&msg) {
                    Ok(resp) => Ok(Some(
                        resp.message()
                            .collect::<Vec<_>>()
                            .join(" ")
                            .chars()
                            .take(200)
                            .collect(),
                    )),
                    // 5xx: the server refuses this message for good; anything else
                    // (4xx, connection, TLS, timeout) may pass next time.
                    Err(e) if e.is_permanent() => Err(SendError::Permanent(format!("smtp: {e}"))),
                    Err(e) => Err(SendError::Retry(format!("smtp: {e}"))),
                }
            }
            Mailer::Resend {
                agent,
                endpoint,
                api_key,
                from,
            } => resend(agent, endpoint, api_key, from.of(m), m),
        }
    }
}

/// `<{key}@{from domain}>`: unique because the key is, and the right-hand side is a
/// domain the store owns (RFC 5322 §3.6.4). Characters outside `atext` are replaced so
/// any key makes a valid header.
pub fn message_id(key: &str, from: &Mailbox) -> String {
    let left: String = key
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    let left = left.trim_matches('.');
    format!("<{left}@{}>", from.email.domain())
}

/// The RFC 5322 message: Date, Message-ID, From, To, Subject, and a multipart/alternative
/// body with the text part first and the HTML part last (the preferred rendering).
pub fn build_message(from: &Mailbox, m: &Outgoing) -> std::result::Result<Message, SendError> {
    let to: Mailbox =
        m.to.parse()
            .map_err(|e| SendError::Permanent(format!("bad recipient {:?}: {e}", m.to)))?;
    let date = UNIX_EPOCH + Duration::from_secs(m.now.max(0) as u64);
    let mut b = Message::builder();
    if let Some(u) = &m.unsubscribe {
        b = b
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe"),
                format!("<{u}>"),
            ))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                "List-Unsubscribe=One-Click".into(),
            ));
    }
    b.from(from.clone())
        .to(to)
        .subject(m.subject.clone())
        .date(date)
        .message_id(Some(message_id(&m.key, from)))
        // Resend's SMTP relay deduplicates on this header (specs/email.md §1.1);
        // other servers ignore it.
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("Resend-Idempotency-Key"),
            m.key.clone(),
        ))
        .multipart(MultiPart::alternative_plain_html(
            m.text.clone(),
            m.html.clone(),
        ))
        .map_err(|e| SendError::Permanent(format!("cannot build the message: {e}")))
}

fn resend(
    agent: &ureq::Agent,
    endpoint: &str,
    api_key: &Secret,
    from: &Mailbox,
    m: &Outgoing,
) -> std::result::Result<Option<String>, SendError> {
    // Validate the recipient the same way the other transports do, so a bad address is
    // a permanent failure here too and not a 422 after a network round trip.
    let to: Mailbox =
        m.to.parse()
            .map_err(|e| SendError::Permanent(format!("bad recipient {:?}: {e}", m.to)))?;
    let mut body = serde_json::json!({
        "from": from.to_string(),
        "to": [to.to_string()],
        "subject": m.subject,
        "text": m.text,
        "html": m.html,
    });
    if let Some(u) = &m.unsubscribe {
        body["headers"] = serde_json::json!({
            "List-Unsubscribe": format!("<{u}>"),
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        });
    }
    let bytes = serde_json::to_vec(&body).map_err(|e| SendError::Permanent(e.to_string()))?;
    let result = agent
        .post(endpoint)
        .header("Authorization", &format!("Bearer {}", api_key.expose()))
        .header("Content-Type", "application/json")
        .header("Idempotency-Key", &m.key)
        .send(&bytes[..]);
    let mut resp = match result {
        Ok(r) => r,
        Err(e) => return Err(SendError::Retry(format!("resend: {e}"))),
    };
    let status = resp.status().as_u16();
    // Seconds, as Resend sends it (specs/email.md §1.3); an HTTP date is ignored.
    let retry_after = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok())
        .filter(|s| *s > 0)
        .map(|s| s.min(86_400));
    let text = resp
        .body_mut()
        .with_config()
        .limit(64 * 1024)
        .read_to_string()
        .unwrap_or_default();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    if (200..300).contains(&status) {
        return match json.get("id").and_then(|v| v.as_str()) {
            Some(id) => Ok(Some(id.to_string())),
            // Accepted but unreadable: treat as sent rather than risk a duplicate.
            None => Ok(None),
        };
    }
    let name = json.get("name").and_then(|v| v.as_str()).unwrap_or("");
    let message = json.get("message").and_then(|v| v.as_str()).unwrap_or("");
    let detail: String = format!("resend {status} {name}: {message}")
        .chars()
        .take(500)
        .collect();
    // 429 (rate limit or quota) and 5xx pass with time; 409 concurrent_idempotent_requests
    // means the first try with this key is still running. Every other 4xx is a request
    // or account problem that retrying the same request cannot fix.
    if status == 429 || status >= 500 || name == "concurrent_idempotent_requests" {
        Err(match retry_after {
            Some(secs) => SendError::RetryAfter(detail, secs),
            None => SendError::Retry(detail),
        })
    } else {
        Err(SendError::Permanent(detail))
    }
}

/// Seconds since the epoch, for callers that want `Outgoing::now` from the wall clock.
pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_has_every_header_and_both_parts() {
        let from: Mailbox = "Shop <shop@mail.example.com>".parse().unwrap();
        let m = Outgoing {
            outbox_id: 7,
            to: "a@b.example".into(),
            subject: "Your code: 12 ✓".into(),
            text: "plain body".into(),
            html: "<p>html body</p>".into(),
            key: "otp/42".into(),
            now: 1_763_763_600,
            unsubscribe: None,
        };
        let raw = String::from_utf8(build_message(&from, &m).unwrap().formatted()).unwrap();
        for want in [
            "Date: ",
            "Message-ID: <otp/42@mail.example.com>",
            "From: Shop <shop@mail.example.com>",
            "To: a@b.example",
            "Subject: Your code: 12 =?utf-8?b?",
            "multipart/alternative",
            "text/plain",
            "text/html",
        ] {
            assert!(raw.contains(want), "missing {want:?} in\n{raw}");
        }
        assert!(raw.find("text/plain") < raw.find("text/html"));
        assert!(
            !raw.contains("List-Unsubscribe"),
            "transactional mail has none"
        );
        let listed = Outgoing {
            unsubscribe: Some("https://shop.example/unsubscribe/abc".into()),
            ..m.clone()
        };
        let raw = String::from_utf8(build_message(&from, &listed).unwrap().formatted()).unwrap();
        assert!(raw.contains("List-Unsubscribe: <https://shop.example/unsubscribe/abc>"));
        assert!(raw.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"));
        assert_eq!(message_id("a b<c>", &from), "<a-b-c-@mail.example.com>");
        let bad = Outgoing {
            to: "not an address".into(),
            ..m
        };
        assert!(matches!(
            build_message(&from, &bad),
            Err(SendError::Permanent(_))
        ));
    }

    #[test]
    fn follow_up_mail_goes_from_marketing_from_when_set() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = EmailConfig {
            from: "Shop <orders@shop.example>".into(),
            marketing_from: "Shop news <news@shop.example>".into(),
            ..crate::config::Config::default().email
        };
        let mailer = Mailer::from_config(&cfg, dir.path()).unwrap();
        let order = Outgoing {
            outbox_id: 1,
            to: "a@b.example".into(),
            subject: "Order".into(),
            text: "t".into(),
            html: "h".into(),
            key: "order/1".into(),
            now: 1_763_763_600,
            unsubscribe: None,
        };
        let follow_up = Outgoing {
            outbox_id: 2,
            key: "back_in_stock/1".into(),
            unsubscribe: Some("https://shop.example/unsubscribe/1.ab".into()),
            ..order.clone()
        };
        for (m, want) in [
            (&order, "From: Shop <orders@shop.example>"),
            (&follow_up, "From: \"Shop news\" <news@shop.example>"),
        ] {
            let name = mailer.send(m).unwrap().unwrap();
            let raw = std::fs::read_to_string(dir.path().join("mail").join(name)).unwrap();
            assert!(raw.contains(want), "{raw}");
        }
    }
}
