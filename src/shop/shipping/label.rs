//! The shipping label the built-in sandbox courier hands out: a one-page PDF (100 × 150
//! mm, the size courier labels print at) with the AWB, the order number and the
//! addresses, written by hand — a handful of PDF objects with a correct cross-reference
//! table — so the demo's "Download label" opens a real document with no PDF crate.

/// The label for one parcel. `lines` are printed top to bottom; anything outside
/// printable ASCII is replaced (the standard Helvetica font has no other glyphs).
pub fn pdf(title: &str, lines: &[String]) -> Vec<u8> {
    // 100 × 150 mm in points.
    let (w, h) = (283, 425);
    let mut content = String::from("BT\n/F1 16 Tf\n18 395 Td\n");
    content.push_str(&format!("({}) Tj\n/F1 10 Tf\n", escape(title)));
    for l in lines {
        content.push_str(&format!("0 -18 Td\n({}) Tj\n", escape(l)));
    }
    content.push_str("ET\n0.5 w 14 20 255 390 re S\n");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {w} {h}] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>"
        ),
        format!(
            "<< /Length {} >>\nstream\n{content}endstream",
            content.len()
        ),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for off in offsets {
        out.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

fn escape(s: &str) -> String {
    s.chars()
        .take(60)
        .map(|c| match c {
            '(' | ')' | '\\' => format!("\\{c}"),
            c if (' '..='~').contains(&c) => c.to_string(),
            _ => "?".to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_label_is_a_pdf_whose_xref_points_at_its_objects() {
        let pdf = super::pdf("AWB SBX1", &["Order (B-1001)".into(), "Asha, Pune".into()]);
        let text = String::from_utf8(pdf.clone()).unwrap();
        assert!(text.starts_with("%PDF-1.4") && text.ends_with("%%EOF\n"));
        assert!(text.contains("(Order \\(B-1001\\)) Tj"));
        let xref: usize = text
            .rsplit("startxref\n")
            .next()
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(text[xref..].starts_with("xref"));
        let first: usize = text[xref..].lines().nth(3).unwrap()[..10].parse().unwrap();
        assert!(text[first..].starts_with("1 0 obj"));
    }
}
