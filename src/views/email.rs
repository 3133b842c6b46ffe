//! The one layout every email shares, as a text part and an HTML part built from the same
//! words. Email clients strip <style> blocks and ignore most of CSS, so the HTML uses a
//! single centred table, inline styles only, system fonts, and a button that is a plain
//! link styled as one (it still works as a link where the styles are dropped). All text
//! is escaped by maud; nothing here is `PreEscaped`.

use maud::{DOCTYPE, html};

const FONT: &str =
    "font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Helvetica,Arial,sans-serif;";

/// Renders one email: `(text, html)`. `paragraphs` are plain text (one <p> each); the
/// button, when given, appears after them and as `label: url` in the text part, so the
/// link is never only in the HTML.
pub fn render(
    store_name: &str,
    heading: &str,
    paragraphs: &[&str],
    button: Option<(&str, &str)>,
) -> (String, String) {
    let mut text = format!("{store_name}\n\n{heading}\n\n");
    for p in paragraphs {
        text.push_str(p);
        text.push_str("\n\n");
    }
    if let Some((label, url)) = button {
        text.push_str(&format!("{label}: {url}\n\n"));
    }
    text.push_str(&format!("-- \n{store_name}\n"));

    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (heading) }
            }
            body style={ "margin:0;padding:0;background:#f6f4f0;" (FONT) } {
                table role="presentation" width="100%" cellpadding="0" cellspacing="0"
                    style="background:#f6f4f0;" {
                    tr { td align="center" style="padding:32px 16px;" {
                        table role="presentation" width="100%" cellpadding="0" cellspacing="0"
                            style="max-width:560px;background:#ffffff;border-radius:8px;border:1px solid #e7e2da;" {
                            tr { td style={ "padding:24px 32px 0;font-size:14px;letter-spacing:.08em;text-transform:uppercase;color:#7a6f62;" (FONT) } {
                                (store_name)
                            } }
                            tr { td style="padding:16px 32px 8px;" {
                                h1 style={ "margin:0;font-size:22px;line-height:1.3;font-weight:600;color:#2b2622;" (FONT) } {
                                    (heading)
                                }
                            } }
                            @for p in paragraphs {
                                tr { td style={ "padding:8px 32px;font-size:16px;line-height:1.6;color:#3d3731;" (FONT) } {
                                    (p)
                                } }
                            }
                            @if let Some((label, url)) = button {
                                tr { td style="padding:16px 32px 8px;" {
                                    a href=(url) style={ "display:inline-block;padding:12px 24px;background:#2b2622;color:#ffffff;text-decoration:none;border-radius:6px;font-size:16px;font-weight:600;" (FONT) } {
                                        (label)
                                    }
                                } }
                                tr { td style={ "padding:8px 32px;font-size:13px;line-height:1.5;color:#7a6f62;word-break:break-all;" (FONT) } {
                                    "Or paste this link into your browser: " (url)
                                } }
                            }
                            tr { td style={ "padding:24px 32px;font-size:12px;line-height:1.5;color:#9a8f82;border-top:1px solid #efebe5;" (FONT) } {
                                "Sent by " (store_name) ". You are receiving this email because of an action on your account or order."
                            } }
                        }
                    } }
                }
            }
        }
    };
    (text, markup.into_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_parts_carry_the_words_and_html_is_escaped() {
        let (text, html) = render(
            "Tea & Toast",
            "Sign in",
            &["Use the button below. <b>not bold</b>"],
            Some(("Sign in", "https://shop.example/login?t=a&b")),
        );
        assert!(text.starts_with("Tea & Toast\n\nSign in\n\n"));
        assert!(text.contains("Sign in: https://shop.example/login?t=a&b"));
        assert!(html.contains("Tea &amp; Toast"));
        assert!(html.contains("&lt;b&gt;not bold&lt;/b&gt;"));
        assert!(html.contains("href=\"https://shop.example/login?t=a&amp;b\""));
        assert!(!html.contains("<style"));
    }
}
