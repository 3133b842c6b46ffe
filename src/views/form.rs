//! The one helper that builds POST forms, so every state-changing form carries the
//! session's CSRF token in a hidden `csrf_token` field (house rule 7).

use maud::{Markup, html};

pub fn post_form(action: &str, csrf: &str, class: &str, body: Markup) -> Markup {
    html! {
        form method="post" action=(action) class=(class) {
            input type="hidden" name="csrf_token" value=(csrf);
            (body)
        }
    }
}

/// The same for a form that uploads a file (multipart); the CSRF field comes first so the
/// server can check it before reading the file part.
pub fn upload_form(action: &str, csrf: &str, class: &str, body: Markup) -> Markup {
    html! {
        form method="post" action=(action) class=(class) enctype="multipart/form-data" {
            input type="hidden" name="csrf_token" value=(csrf);
            (body)
        }
    }
}
