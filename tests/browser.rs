//! Browser test: Debian's chromium, driven over CDP by headless_chrome, against the real
//! store. A shopper opens the home page, goes to a product, picks a variant, and we keep a
//! screenshot (target/screenshots/) to look at. Chromium must be installed (`.ci/run` does
//! it); without it this test fails with a message saying so.

mod common;
use headless_chrome::protocol::cdp::Page::CaptureScreenshotFormatOption;
use headless_chrome::{Browser, LaunchOptions};
use std::ffi::OsStr;
use std::time::Duration;

fn browser(width: u32, height: u32) -> Browser {
    let path = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .iter()
        .find(|p| std::path::Path::new(p).exists())
        .expect("chromium is not installed: run `apt-get install chromium` or `bash .ci/run`");
    let profile = tempfile::tempdir().unwrap().keep();
    let opts = LaunchOptions::default_builder()
        .path(Some(path.into()))
        .headless(true)
        .sandbox(false)
        .enable_gpu(false)
        .user_data_dir(Some(profile))
        .window_size(Some((width, height)))
        .idle_browser_timeout(Duration::from_secs(120))
        .args(vec![
            OsStr::new("--disable-component-update"),
            OsStr::new("--disable-quic"),
            OsStr::new("--no-first-run"),
        ])
        .build()
        .unwrap();
    Browser::new(opts).expect("chromium starts")
}

fn shot(tab: &headless_chrome::Tab, name: &str) -> std::path::PathBuf {
    let png = tab
        .capture_screenshot(CaptureScreenshotFormatOption::Png, None, None, true)
        .unwrap();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, &png).unwrap();
    assert!(png.len() > 10_000, "screenshot {name} looks empty");
    path
}

#[test]
fn shopper_opens_home_goes_to_a_product_and_picks_a_variant() {
    let s = common::Store::demo();
    let b = browser(1280, 900);
    let tab = b.new_tab().unwrap();
    tab.set_default_timeout(Duration::from_secs(20));
    tab.navigate_to(&s.url)
        .unwrap()
        .wait_until_navigated()
        .unwrap();
    tab.wait_for_element(".banner").unwrap();
    shot(&tab, "home-desktop.png");

    // Go to the linen shirt from the home page grid.
    tab.wait_for_element("a[href='/p/indigo-linen-shirt']")
        .unwrap()
        .click()
        .unwrap();
    tab.wait_for_element("h1").unwrap();
    assert!(
        tab.get_url().ends_with("/p/indigo-linen-shirt"),
        "{}",
        tab.get_url()
    );
    let h1 = tab.find_element("h1").unwrap().get_inner_text().unwrap();
    assert_eq!(h1, "Indigo Linen Shirt");

    // Pick "L / Natural" and see the page follow (price, stock note, URL).
    let labels = tab.find_elements("label.variant").unwrap();
    let natural_l = labels
        .iter()
        .find(|l| {
            l.get_inner_text()
                .unwrap_or_default()
                .contains("L / Natural")
        })
        .expect("variant L / Natural");
    natural_l.click().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let checked = tab
        .evaluate(
            "document.querySelector('input[name=variant]:checked').parentElement.innerText",
            false,
        )
        .unwrap()
        .value
        .unwrap();
    assert!(
        checked.as_str().unwrap().contains("L / Natural"),
        "{checked:?}"
    );
    assert!(
        tab.get_url().contains("variant="),
        "URL follows the choice: {}",
        tab.get_url()
    );
    // A sold-out combination cannot be chosen.
    let disabled = tab
        .evaluate(
            "document.querySelectorAll('input[name=variant]:disabled').length",
            false,
        )
        .unwrap()
        .value
        .unwrap();
    assert_eq!(disabled.as_i64(), Some(1));
    let price = tab
        .find_element("#price")
        .unwrap()
        .get_inner_text()
        .unwrap();
    assert!(price.contains("₹2,890.00"), "{price}");
    let sku = tab.find_element("#sku").unwrap().get_inner_text().unwrap();
    assert!(sku.ends_with("L-NATURAL"), "SKU follows the choice: {sku}");
    shot(&tab, "product-desktop.png");

    // Add to bag puts it in the bag (the script fetches the CSRF token and posts).
    tab.find_element("#add").unwrap().click().unwrap();
    tab.wait_for_element(".bag .lines").unwrap();
    let text = tab.find_element(".bag").unwrap().get_inner_text().unwrap();
    assert!(text.contains("Indigo Linen Shirt"), "{text}");
    assert!(text.contains("L / Natural"), "{text}");
}

#[test]
fn phone_layout_keeps_the_add_to_bag_bar_on_screen() {
    let s = common::Store::demo();
    let b = browser(390, 844);
    let tab = b.new_tab().unwrap();
    tab.set_default_timeout(Duration::from_secs(20));
    tab.navigate_to(&format!("{}/p/saffron-glow-face-oil", s.url))
        .unwrap()
        .wait_until_navigated()
        .unwrap();
    tab.wait_for_element("#add").unwrap();
    let pos = tab
        .evaluate(
            "getComputedStyle(document.querySelector('.buybar')).position",
            false,
        )
        .unwrap()
        .value
        .unwrap();
    assert_eq!(
        pos.as_str(),
        Some("fixed"),
        "the add-to-bag bar stays on screen on phones"
    );
    shot(&tab, "product-phone.png");
    tab.navigate_to(&s.url)
        .unwrap()
        .wait_until_navigated()
        .unwrap();
    tab.wait_for_element(".grid").unwrap();
    shot(&tab, "home-phone.png");
    tab.navigate_to(&format!("{}/c/clothing", s.url))
        .unwrap()
        .wait_until_navigated()
        .unwrap();
    tab.wait_for_element(".grid").unwrap();
    shot(&tab, "category-phone.png");
}

#[test]
fn shopper_signs_in_with_the_emailed_code() {
    let s = common::Store::empty();
    let b = browser(1024, 800);
    let tab = b.new_tab().unwrap();
    tab.set_default_timeout(Duration::from_secs(20));
    tab.navigate_to(&format!("{}/account", s.url))
        .unwrap()
        .wait_until_navigated()
        .unwrap();
    // Anonymous: sent to the sign-in page.
    tab.wait_for_element("input[name=email]")
        .unwrap()
        .click()
        .unwrap();
    tab.type_str("ria@example.com").unwrap();
    tab.press_key("Enter").unwrap();
    tab.wait_for_element("input[name=code]").unwrap();
    shot(&tab, "sign-in-check-email.png");
    let (code, _, _) = common::mail(&s, 1);
    tab.find_element("input[name=code]")
        .unwrap()
        .click()
        .unwrap();
    tab.type_str(&code).unwrap();
    tab.press_key("Enter").unwrap();
    tab.wait_for_element(".sessions").unwrap();
    let text = tab.find_element("main").unwrap().get_inner_text().unwrap();
    assert!(text.contains("Signed in as ria@example.com"), "{text}");
    assert!(text.contains("this device"), "{text}");
    shot(&tab, "account.png");
}
