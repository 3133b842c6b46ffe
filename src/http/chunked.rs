//! Decoder for `Transfer-Encoding: chunked` request bodies. It is a push-style state machine
//! fed whatever bytes the socket produced, so it never blocks, never allocates beyond the body
//! cap, and reports exactly how many input bytes belonged to the body: the rest is the next
//! pipelined request. It is strict on purpose (CRLF only, hex sizes without sign or prefix,
//! bounded size lines and trailers) because lenient chunk parsing is a classic smuggling path.

/// Longest chunk-size line (digits + extensions) we accept.
pub const MAX_SIZE_LINE: usize = 4096;
/// Total bytes of trailer section we are willing to skip.
pub const MAX_TRAILER_BYTES: usize = 8192;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChunkError {
    /// The decoded body would exceed the caller's cap (→ 413).
    TooLarge,
    /// Anything malformed: bad hex, bare LF, overlong line, oversized trailers (→ 400).
    Malformed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Reading hex digits of a chunk size.
    Size,
    /// After the digits: optional whitespace, then `;ext` or CR.
    SizeTail,
    /// Inside `;extension` text, up to CR.
    Ext,
    /// Saw CR at the end of the size line, need LF.
    SizeLf,
    /// Copying chunk data; `remaining` says how much.
    Data,
    /// Need CR after the chunk data.
    DataCr,
    /// Need LF after the chunk data.
    DataLf,
    /// At the start of a trailer line (or the final empty line).
    TrailerStart,
    /// Inside a trailer field line, up to CR.
    TrailerLine,
    /// Saw CR at the end of a trailer line, need LF.
    TrailerLf,
    /// Saw CR on an empty line: the last LF ends the body.
    EndLf,
    Done,
}

#[derive(Debug)]
pub struct ChunkedDecoder {
    state: State,
    limit: u64,
    decoded: u64,
    size: u64,
    digits: usize,
    line: usize,
    trailer: usize,
    remaining: u64,
}

impl ChunkedDecoder {
    pub fn new(limit: u64) -> ChunkedDecoder {
        ChunkedDecoder {
            state: State::Size,
            limit,
            decoded: 0,
            size: 0,
            digits: 0,
            line: 0,
            trailer: 0,
            remaining: 0,
        }
    }

    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// Consumes a prefix of `input`, appending decoded data to `out`. Returns how many bytes
    /// were consumed; once [`is_done`](Self::is_done) is true the unconsumed rest is not body.
    pub fn feed(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<usize, ChunkError> {
        let mut i = 0;
        while i < input.len() && self.state != State::Done {
            let b = input[i];
            match self.state {
                State::Data => {
                    // Copy as much chunk data as is here in one go.
                    let n = (input.len() - i)
                        .min(usize::try_from(self.remaining).unwrap_or(usize::MAX));
                    out.extend_from_slice(&input[i..i + n]);
                    self.remaining -= n as u64;
                    i += n;
                    if self.remaining == 0 {
                        self.state = State::DataCr;
                    }
                    continue;
                }
                State::Size => {
                    self.bump_line()?;
                    if let Some(d) = (b as char).to_digit(16) {
                        self.digits += 1;
                        // 15 hex digits is already far beyond any body cap; refuse overflow.
                        if self.digits > 15 {
                            return Err(ChunkError::Malformed);
                        }
                        self.size = self.size * 16 + u64::from(d);
                    } else if self.digits == 0 {
                        return Err(ChunkError::Malformed);
                    } else {
                        self.state = State::SizeTail;
                        continue; // re-examine this byte in SizeTail
                    }
                }
                State::SizeTail => {
                    self.bump_line()?;
                    match b {
                        b' ' | b'\t' => {}
                        b';' => self.state = State::Ext,
                        b'\r' => self.state = State::SizeLf,
                        _ => return Err(ChunkError::Malformed),
                    }
                }
                State::Ext => {
                    self.bump_line()?;
                    match b {
                        b'\r' => self.state = State::SizeLf,
                        b'\n' | 0 => return Err(ChunkError::Malformed),
                        _ => {}
                    }
                }
                State::SizeLf => {
                    if b != b'\n' {
                        return Err(ChunkError::Malformed);
                    }
                    self.line = 0;
                    self.digits = 0;
                    if self.size == 0 {
                        self.state = State::TrailerStart;
                    } else {
                        self.decoded = self.decoded.saturating_add(self.size);
                        // Checked before any data is copied, so an oversized declared chunk is
                        // refused without reading it.
                        if self.decoded > self.limit {
                            return Err(ChunkError::TooLarge);
                        }
                        self.remaining = self.size;
                        self.size = 0;
                        self.state = State::Data;
                    }
                }
                State::DataCr => {
                    if b != b'\r' {
                        return Err(ChunkError::Malformed);
                    }
                    self.state = State::DataLf;
                }
                State::DataLf => {
                    if b != b'\n' {
                        return Err(ChunkError::Malformed);
                    }
                    self.state = State::Size;
                }
                State::TrailerStart | State::TrailerLine => {
                    self.trailer += 1;
                    if self.trailer > MAX_TRAILER_BYTES {
                        return Err(ChunkError::Malformed);
                    }
                    match (self.state, b) {
                        (State::TrailerStart, b'\r') => self.state = State::EndLf,
                        (_, b'\r') => self.state = State::TrailerLf,
                        (_, b'\n') | (_, 0) => return Err(ChunkError::Malformed),
                        _ => self.state = State::TrailerLine,
                    }
                }
                State::TrailerLf => {
                    if b != b'\n' {
                        return Err(ChunkError::Malformed);
                    }
                    self.state = State::TrailerStart;
                }
                State::EndLf => {
                    if b != b'\n' {
                        return Err(ChunkError::Malformed);
                    }
                    self.state = State::Done;
                }
                State::Done => {}
            }
            i += 1;
        }
        Ok(i)
    }

    fn bump_line(&mut self) -> Result<(), ChunkError> {
        self.line += 1;
        if self.line > MAX_SIZE_LINE {
            Err(ChunkError::Malformed)
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `input` in pieces of `step` bytes; returns (body, consumed) or the error.
    fn run(input: &[u8], limit: u64, step: usize) -> Result<(Vec<u8>, usize), ChunkError> {
        let mut d = ChunkedDecoder::new(limit);
        let mut out = Vec::new();
        let mut pos = 0;
        while pos < input.len() && !d.is_done() {
            let end = (pos + step).min(input.len());
            pos += d.feed(&input[pos..end], &mut out)?;
        }
        if d.is_done() {
            Ok((out, pos))
        } else {
            Err(ChunkError::Malformed) // incomplete input, treated as malformed by the test
        }
    }

    #[test]
    fn decodes_in_any_split() {
        let input = b"5\r\nhello\r\n6;name=val\r\n world\r\n0\r\nX-T: 1\r\n\r\nGET / HTTP/1.1";
        for step in 1..input.len() {
            let (body, used) = run(input, 100, step).expect("valid");
            assert_eq!(body, b"hello world");
            assert_eq!(&input[used..], b"GET / HTTP/1.1");
        }
    }

    #[test]
    fn hex_sizes_upper_and_lower() {
        let (body, _) = run(b"A\r\n0123456789\r\na\r\n0123456789\r\n0\r\n\r\n", 100, 7).unwrap();
        assert_eq!(body.len(), 20);
    }

    #[test]
    fn malformed_inputs_are_refused() {
        let bad: &[&[u8]] = &[
            b"\r\n\r\n",                     // no digits
            b"-5\r\nhello\r\n0\r\n\r\n",     // sign
            b"0x5\r\nhello\r\n0\r\n\r\n",    // prefix
            b"5\nhello\r\n0\r\n\r\n",        // bare LF after size
            b"5\r\nhelloX\r\n0\r\n\r\n",     // data longer than size
            b"5\r\nhello\n0\r\n\r\n",        // bare LF after data
            b"5 x\r\nhello\r\n0\r\n\r\n",    // junk after size
            b"5;a\nb\r\nhello\r\n0\r\n\r\n", // LF inside extension
            b"0\r\nX: 1\n\r\n",              // bare LF in trailer
            b"0\r\n\rX",                     // CR not followed by LF at end
            b"fffffffffffffffff\r\n",        // overflow
            b"0\r\n\n",                      // bare LF final line
        ];
        for input in bad {
            assert_eq!(
                run(input, 1 << 40, 3).err(),
                Some(ChunkError::Malformed),
                "{:?}",
                String::from_utf8_lossy(input)
            );
        }
    }

    #[test]
    fn overlong_lines_and_trailers_are_refused() {
        let mut line = b"5;".to_vec();
        line.extend(std::iter::repeat_n(b'a', MAX_SIZE_LINE));
        line.extend_from_slice(b"\r\nhello\r\n0\r\n\r\n");
        assert_eq!(run(&line, 100, 64).err(), Some(ChunkError::Malformed));

        let mut trailers = b"0\r\n".to_vec();
        for _ in 0..1000 {
            trailers.extend_from_slice(b"X-Long-Trailer: yes\r\n");
        }
        trailers.extend_from_slice(b"\r\n");
        assert_eq!(run(&trailers, 100, 64).err(), Some(ChunkError::Malformed));
    }

    #[test]
    fn body_cap_is_checked_before_data_arrives() {
        // The declared chunk alone exceeds the cap: refused before any data byte.
        let mut d = ChunkedDecoder::new(10);
        let mut out = Vec::new();
        assert_eq!(d.feed(b"100000\r\n", &mut out), Err(ChunkError::TooLarge));
        assert!(out.is_empty());
        // Many small chunks adding up past the cap.
        let input = b"4\r\naaaa\r\n4\r\nbbbb\r\n4\r\ncccc\r\n0\r\n\r\n";
        assert_eq!(run(input, 10, 5).err(), Some(ChunkError::TooLarge));
        assert!(run(input, 12, 5).is_ok());
    }

    #[test]
    fn stops_exactly_at_the_end() {
        let mut d = ChunkedDecoder::new(100);
        let mut out = Vec::new();
        let n = d.feed(b"0\r\n\r\nextra", &mut out).unwrap();
        assert_eq!(n, 5);
        assert!(d.is_done());
        assert_eq!(d.feed(b"more", &mut out).unwrap(), 0);
    }
}
