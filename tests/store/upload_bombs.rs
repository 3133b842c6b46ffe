//! Decompression bombs and disguised PDF scripts against the upload paths (issue 9, items 1
//! and 9). The bomb test runs the real binary as a child process so the peak resident set
//! it reads from `/proc/<pid>/status` (VmHWM) is the server's alone: eight parallel uploads
//! of a 8000 × 8000 RGBA PNG (a few hundred KB of zeros that would decode to 244 MiB each)
//! must each get a clear 4xx naming the size, store nothing, leave the server's peak memory
//! far below one decoded bomb, while ordinary proofs on other orders keep being accepted.
//! The product-image bomb and the hex-escaped PDF names go through the in-process store.

use crate::common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Barrier};

use common::{Store, csrf, send, sign_in};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_boutique");

/// The server's peak RSS after eight bomb uploads, in MiB. Measured 2026-12-02 on the
/// 2-core dev box: ~30–40 MiB (before the fix a single decoded bomb alone is 244 MiB, and
/// eight in parallel took the process past 2 GB). The bound leaves room for allocator and
/// thread-stack noise yet is below one decoded bomb.
const PEAK_RSS_BOUND_MIB: u64 = 150;

/// The real binary, serving an empty store (one product) on a fresh data directory.
struct Server {
    child: Child,
    url: String,
    dir: tempfile::TempDir,
    variant: i64,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("store.toml");
    std::fs::write(
        &config,
        "[store]\nname = \"Bomb Shop\"\n\n[server]\ndata_dir = \"data\"\nsynchronous = \"normal\"\n",
    )
    .unwrap();
    let out = Command::new(BIN)
        .args(["migrate", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let variant = {
        let db = boutique::db::Db::open(
            &dir.path().join("data/store.db"),
            boutique::db::Sync::Normal,
            1,
        )
        .unwrap();
        db.write_tx(|tx| {
            boutique::shop::catalog::create_simple_product(
                tx,
                "scarf",
                "Silk Scarf",
                "SCARF-1",
                120_000,
                1_000,
                boutique::db::now(),
            )
        })
        .unwrap()
        .1
    };
    let mut child = Command::new(BIN)
        .args(["serve", "--no-demo", "--listen", "127.0.0.1:0", "--config"])
        .arg(&config)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    Server {
        child,
        url: line.trim().to_string(),
        dir,
        variant,
    }
}

fn json_req(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<&Value>,
) -> (u16, Value) {
    let mut h = vec![("Content-Type", "application/json")];
    h.extend_from_slice(headers);
    let p = send(
        method,
        url,
        &h,
        body.map(|b| serde_json::to_vec(b).unwrap()),
    );
    let v = serde_json::from_slice(&p.body).unwrap_or(Value::Null);
    (p.status, v)
}

/// A bank-transfer order over the API; returns (number, access token).
fn bank_order(s: &Server, email: &str, key: &str) -> (String, String) {
    let (st, cart) = json_req("POST", &format!("{}/api/v1/carts", s.url), &[], None);
    assert_eq!(st, 201, "{cart}");
    let token = cart["token"].as_str().unwrap().to_string();
    let (st, v) = json_req(
        "POST",
        &format!("{}/api/v1/carts/{token}/items", s.url),
        &[],
        Some(&json!({"variant_id": s.variant, "quantity": 1})),
    );
    assert_eq!(st, 200, "{v}");
    let body = json!({
        "email": email, "name": "Asha Rao", "phone": "+91 98765 43210",
        "address": {"line1": "12 MG Road", "city": "Bengaluru", "region": "Karnataka",
                    "postal_code": "560001", "country": "IN"},
        "payment_method": "bank_transfer"
    });
    let (st, v) = json_req(
        "POST",
        &format!("{}/api/v1/carts/{token}/checkout", s.url),
        &[("Idempotency-Key", key)],
        Some(&body),
    );
    assert_eq!(st, 201, "{v}");
    let o = &v["order"];
    (
        o["number"].as_str().unwrap().to_string(),
        o["access_token"].as_str().unwrap().to_string(),
    )
}

/// POST /api/v1/orders/{number}/payment-proof with `bytes` in the field `proof`.
fn upload_proof(url: &str, number: &str, token: &str, bytes: &[u8]) -> (u16, Value) {
    let b = "----uploadBombsBoundary5xQ";
    let mut body = format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"proof\"; filename=\"transfer.png\"\r\nContent-Type: image/png\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{b}--\r\n").as_bytes());
    let ct = format!("multipart/form-data; boundary={b}");
    let auth = format!("Bearer {token}");
    let p = send(
        "POST",
        &format!("{url}/api/v1/orders/{number}/payment-proof"),
        &[
            ("Content-Type", ct.as_str()),
            ("Authorization", auth.as_str()),
        ],
        Some(body),
    );
    (
        p.status,
        serde_json::from_slice(&p.body).unwrap_or(Value::Null),
    )
}

/// A real PNG of `w`×`h` RGBA pixels, all zero: it compresses about 1000:1, so a picture
/// that decodes to 244 MiB is about 1.2 MB on the wire (fast compression).
fn bomb_png(w: u32, h: u32) -> Vec<u8> {
    use image::ImageEncoder;
    let zeros = vec![0u8; w as usize * h as usize * 4];
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(&zeros, w, h, image::ExtendedColorType::Rgba8)
        .unwrap();
    out
}

/// An ordinary screenshot-sized picture with real content.
fn small_png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x * 7 % 256) as u8, (y * 3 % 256) as u8, 120])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// `VmHWM` (peak resident set) of `pid`, in KiB.
fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM in /proc/<pid>/status")
}

fn proof_files(data_dir: &Path) -> usize {
    std::fs::read_dir(data_dir.join("proofs"))
        .map(|d| d.count())
        .unwrap_or(0)
}

#[test]
fn eight_parallel_png_bombs_are_refused_and_memory_stays_bounded() {
    let s = serve();
    let bomb = Arc::new(bomb_png(8000, 8000));
    assert!(
        bomb.len() < 2 * 1024 * 1024,
        "bomb is small on the wire: {} bytes",
        bomb.len()
    );
    let (bomb_order, bomb_token) = bank_order(&s, "mallory@shop.test", "bomb-order");
    // Ordinary shoppers with their own orders, uploading while the bombs arrive.
    let honest: Vec<(String, String)> = (0..2)
        .map(|i| bank_order(&s, &format!("shopper{i}@shop.test"), &format!("honest-{i}")))
        .collect();
    let before = peak_rss_kib(s.child.id());

    let go = Arc::new(Barrier::new(8 + honest.len()));
    let mut bombs = Vec::new();
    for _ in 0..8 {
        let (url, number, token, bomb, go) = (
            s.url.clone(),
            bomb_order.clone(),
            bomb_token.clone(),
            bomb.clone(),
            go.clone(),
        );
        bombs.push(std::thread::spawn(move || {
            go.wait();
            upload_proof(&url, &number, &token, &bomb)
        }));
    }
    let mut ordinary = Vec::new();
    for (i, (number, token)) in honest.iter().enumerate() {
        let (url, number, token, go) = (s.url.clone(), number.clone(), token.clone(), go.clone());
        ordinary.push(std::thread::spawn(move || {
            go.wait();
            // Two uploads each (the second supersedes the first), spread over the bombs.
            (0..2)
                .map(|k| upload_proof(&url, &number, &token, &small_png(390 + i as u32, 844 + k)))
                .collect::<Vec<_>>()
        }));
    }
    for t in bombs {
        let (status, body) = t.join().unwrap();
        assert_eq!(status, 413, "{body}");
        assert_eq!(body["error"]["code"], "payload_too_large", "{body}");
        let msg = body["error"]["message"].as_str().unwrap_or("");
        assert!(
            msg.contains("8000 × 8000 pixels") && msg.contains("40 megapixels"),
            "{msg}"
        );
    }
    for t in ordinary {
        for (status, body) in t.join().unwrap() {
            assert_eq!(status, 201, "{body}");
            assert_eq!(body["order"]["status"], "awaiting_verification", "{body}");
        }
    }
    // And after the storm, as before it.
    let (status, body) = upload_proof(&s.url, &honest[0].0, &honest[0].1, &small_png(64, 64));
    assert_eq!(status, 201, "{body}");

    let peak = peak_rss_kib(s.child.id());
    println!(
        "server peak RSS (VmHWM): {} MiB before the uploads, {} MiB after 8 parallel bombs + 5 proofs",
        before / 1024,
        peak / 1024
    );
    assert!(
        peak / 1024 < PEAK_RSS_BOUND_MIB,
        "peak RSS {} MiB is over {PEAK_RSS_BOUND_MIB} MiB",
        peak / 1024
    );

    // Nothing of the bombs was stored: only the 5 ordinary files, and the bomb order is
    // still waiting for its payment with no proof.
    assert_eq!(proof_files(&s.dir.path().join("data")), 5);
    let auth = format!("Bearer {bomb_token}");
    let (st, v) = json_req(
        "GET",
        &format!("{}/api/v1/orders/{bomb_order}", s.url),
        &[("Authorization", auth.as_str())],
        None,
    );
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["order"]["status"], "pending_payment", "{v}");
    assert_eq!(
        v["order"]["proofs"].as_array().map(Vec::len),
        Some(0),
        "{v}"
    );
}

/// A product-image bomb through the owner's upload page (the same decode gate as proofs,
/// banners use it too): a 4xx page with the size, no image rows written.
#[test]
fn product_image_bomb_gets_a_4xx_page_and_writes_nothing() {
    let s = Store::empty();
    let now = boutique::db::now();
    s.app()
        .db
        .write_tx(|tx| {
            let c = boutique::shop::accounts::find_or_create(tx, "owner@example.com", now)?;
            boutique::shop::accounts::set_role(tx, c.id, "owner")
        })
        .unwrap();
    let owner = sign_in(&s, "owner@example.com");
    let (pid, _) = s
        .app()
        .db
        .write_tx(|tx| {
            boutique::shop::catalog::create_simple_product(tx, "lamp", "Lamp", "LAMP", 1000, 5, now)
        })
        .unwrap();
    let page = s.get_with(
        &format!("/admin/products/{pid}"),
        &[("Cookie", owner.as_str())],
    );
    assert_eq!(page.status, 200, "{}", page.text());
    let token = csrf(&page.text());
    let b = "----uploadBombsAdminBoundary";
    let mut body = format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n--{b}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"x.png\"\r\nContent-Type: image/png\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(&bomb_png(8000, 8000));
    body.extend(format!("\r\n--{b}--\r\n").as_bytes());
    let ct = format!("multipart/form-data; boundary={b}");
    let r = send(
        "POST",
        &format!("{}/admin/products/{pid}/images", s.url),
        &[("Content-Type", ct.as_str()), ("Cookie", owner.as_str())],
        Some(body),
    );
    assert_eq!(r.status, 413, "{}", r.text());
    assert!(r.text().contains("8000 × 8000 pixels"), "{}", r.text());
    let images: i64 = s
        .app()
        .db
        .read()
        .unwrap()
        .query_row("SELECT count(*) FROM images", [], |r| r.get(0))
        .unwrap();
    assert_eq!(images, 0);
}

/// `/#4A#61vaScript` is `/JavaScript` to every PDF reader: the upload is refused (415),
/// nothing is stored and the order still waits for a proof.
#[test]
fn pdf_with_hex_escaped_javascript_name_is_refused_over_http() {
    let s = serve();
    let (number, token) = bank_order(&s, "pdf@shop.test", "pdf-order");
    for pdf in [
        &b"%PDF-1.4\n1 0 obj\n<</Type/Catalog/OpenAction 2 0 R>>\nendobj\n2 0 obj\n<</S/#4A#61vaScript/#4AS(app.alert(1))>>\nendobj\nstartxref\n0\n%%EOF\n"[..],
        b"%PDF-1.4\n1 0 obj\n<</Type/Action/S/#4Caunch/F(cmd.exe)>>\nendobj\nstartxref\n0\n%%EOF\n",
    ] {
        let (status, body) = upload_proof(&s.url, &number, &token, pdf);
        assert_eq!(status, 415, "{body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("scripts")),
            "{body}"
        );
    }
    assert_eq!(proof_files(&s.dir.path().join("data")), 0);
    // The plain PDF of a bank statement is still welcome.
    let ok =
        b"%PDF-1.4\n1 0 obj\n<</Type/Catalog/Author/Anna#20Rao>>\nendobj\nstartxref\n0\n%%EOF\n";
    let (status, body) = upload_proof(&s.url, &number, &token, ok);
    assert_eq!(status, 201, "{body}");
}
