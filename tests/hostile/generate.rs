//! Hostile files, made in memory at test time: PDFs (page trees, huge
//! pages, compression bombs in attachments, metadata and content, deep
//! nesting), images whose headers lie about their size, CII XML that is
//! too wide, too deep or full of entities, and multipart bodies built by
//! hand so that file names and part counts are whatever we want.
//!
//! Everything here is written from the file formats' specifications (PDF
//! 1.7, PNG, JFIF, BMP, TIFF 6, zlib/deflate, LZW as PDF uses it, RFC 7578),
//! never from the code under test. Each generator keeps what goes on the
//! wire small (KB, at most a few MB) while what it announces or expands to
//! is huge.

use std::fmt::Write as _;
use std::io::Write as _;

use flate2::{Compress, Compression, FlushCompress, Status};

// ---------------------------------------------------------------------------
// PDF writer
// ---------------------------------------------------------------------------

/// A PDF written object by object, with a correct cross-reference table.
#[derive(Default)]
pub struct Pdf {
    objects: Vec<Option<Vec<u8>>>,
}

impl Pdf {
    pub fn new() -> Self {
        Self::default()
    }

    /// A number for an object written later with [`Pdf::set`].
    pub fn reserve(&mut self) -> usize {
        self.objects.push(None);
        self.objects.len()
    }

    pub fn set(&mut self, number: usize, body: impl Into<Vec<u8>>) {
        self.objects[number - 1] = Some(body.into());
    }

    /// Adds an object (its body, between `N 0 obj` and `endobj`).
    pub fn add(&mut self, body: impl Into<Vec<u8>>) -> usize {
        let number = self.reserve();
        self.set(number, body);
        number
    }

    /// Adds a stream object: `dictionary` holds the entries besides
    /// `/Length` (e.g. `/Filter /FlateDecode`).
    pub fn add_stream(&mut self, dictionary: &str, data: &[u8]) -> usize {
        let body = stream(dictionary, data);
        self.add(body)
    }

    /// The file, `root` as the catalog.
    pub fn finish(self, root: usize) -> Vec<u8> {
        let mut out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
        let mut offsets = Vec::with_capacity(self.objects.len());
        for (index, body) in self.objects.iter().enumerate() {
            offsets.push(out.len());
            let _ = writeln!(out, "{} 0 obj", index + 1);
            out.extend_from_slice(body.as_deref().unwrap_or(b"null"));
            out.extend_from_slice(b"\nendobj\n");
        }
        let xref = out.len();
        let _ = write!(out, "xref\n0 {}\n0000000000 65535 f \n", self.objects.len() + 1);
        for offset in offsets {
            let _ = writeln!(out, "{offset:010} 00000 n ");
        }
        let _ =
            write!(out, "trailer\n<< /Size {} /Root {root} 0 R >>\nstartxref\n{xref}\n%%EOF\n", self.objects.len() + 1);
        out
    }
}

/// A stream object's body.
pub fn stream(dictionary: &str, data: &[u8]) -> Vec<u8> {
    let mut body = format!("<< {dictionary} /Length {} >>\nstream\n", data.len()).into_bytes();
    body.extend_from_slice(data);
    body.extend_from_slice(b"\nendstream");
    body
}

/// A4 in points.
const A4: &str = "[0 0 595 842]";

/// A small, ordinary one-page PDF with a line of text: the "normal upload"
/// sent beside hostile ones.
pub fn small_pdf() -> Vec<u8> {
    one_page_pdf(A4, b"BT /F1 12 Tf 72 770 Td (Facture FA-1 du 20/11/2026) Tj ET")
}

/// One page of `media_box` whose content stream is `content`.
pub fn one_page_pdf(media_box: &str, content: &[u8]) -> Vec<u8> {
    let mut pdf = Pdf::new();
    let catalog = pdf.reserve();
    let pages = pdf.reserve();
    let font = pdf.add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>");
    let contents = pdf.add_stream("", content);
    let page = pdf.add(format!(
        "<< /Type /Page /Parent {pages} 0 R /MediaBox {media_box} /Contents {contents} 0 R \
         /Resources << /Font << /F1 {font} 0 R >> >> >>"
    ));
    pdf.set(pages, format!("<< /Type /Pages /Kids [{page} 0 R] /Count 1 >>"));
    pdf.set(catalog, format!("<< /Type /Catalog /Pages {pages} 0 R >>"));
    pdf.finish(catalog)
}

/// Case 1: `count` blank A4 pages, each a page object of its own (about
/// 100 bytes each: 200 pages make ~20 KB), all sharing one empty content
/// stream, as kids of one page-tree node.
pub fn blank_pages_pdf(count: usize) -> Vec<u8> {
    let mut pdf = Pdf::new();
    let catalog = pdf.reserve();
    let pages = pdf.reserve();
    let contents = pdf.add_stream("", b"");
    let kids: Vec<String> = (0..count)
        .map(|_| {
            let page = pdf.add(format!(
                "<< /Type /Page /Parent {pages} 0 R /MediaBox {A4} /Contents {contents} 0 R /Resources << >> >>"
            ));
            format!("{page} 0 R")
        })
        .collect();
    pdf.set(pages, format!("<< /Type /Pages /Kids [{}] /Count {count} >>", kids.join(" ")));
    pdf.set(catalog, format!("<< /Type /Catalog /Pages {pages} 0 R >>"));
    pdf.finish(catalog)
}

/// Case 2: a page tree that announces `fanout^depth` pages (10^5 for
/// 10 and 5) in a file of a few KB: a balanced tree whose every level is
/// one node listing the same child `fanout` times, down to one blank
/// page. Every `/Count` is true for the tree as a reader walks it.
pub fn huge_page_tree_pdf(fanout: usize, depth: usize) -> Vec<u8> {
    let mut pdf = Pdf::new();
    let catalog = pdf.reserve();
    let contents = pdf.add_stream("", b"");
    // nodes[0] is the page's parent, nodes[depth - 1] the root.
    let nodes: Vec<usize> = (0..depth).map(|_| pdf.reserve()).collect();
    let page = pdf.add(format!(
        "<< /Type /Page /Parent {} 0 R /MediaBox {A4} /Contents {contents} 0 R /Resources << >> >>",
        nodes[0]
    ));
    let mut child = page;
    let mut count = 1usize;
    for (level, &node) in nodes.iter().enumerate() {
        count *= fanout;
        let parent = nodes.get(level + 1).map(|parent| format!("/Parent {parent} 0 R ")).unwrap_or_default();
        let kids = vec![format!("{child} 0 R"); fanout].join(" ");
        pdf.set(node, format!("<< /Type /Pages {parent}/Kids [{kids}] /Count {count} >>"));
        child = node;
    }
    pdf.set(catalog, format!("<< /Type /Catalog /Pages {child} 0 R >>"));
    pdf.finish(catalog)
}

/// Case 2, the other way round: a tree that a reader cannot dismiss by
/// counting objects. The root lists `nodes` distinct nodes, each listing
/// the same blank page `per_node` times (100 × 1,000 = 100,000 pages); the
/// nodes sit in a compressed object stream and the cross-reference stream
/// announces `/Size` over 100,000 entries (all free but a dozen), so the
/// file stays a few KB.
pub fn object_stream_page_tree_pdf(nodes: usize, per_node: usize) -> Vec<u8> {
    let count = nodes * per_node;
    let catalog = 1usize;
    let root = 2usize;
    let first_node = 3usize;
    let page = first_node + nodes;
    let contents = page + 1;
    let object_stream = contents + 1;
    let xref_stream = object_stream + 1;
    let size = (count + 16).max(xref_stream + 1);

    // The page-tree nodes, in the object stream.
    let mut members: Vec<(usize, String)> = Vec::with_capacity(nodes + 1);
    let kids: Vec<String> = (0..nodes).map(|index| format!("{} 0 R", first_node + index)).collect();
    members.push((root, format!("<< /Type /Pages /Kids [{}] /Count {count} >>", kids.join(" "))));
    let leaf_kids = vec![format!("{page} 0 R"); per_node].join(" ");
    for index in 0..nodes {
        members.push((
            first_node + index,
            format!("<< /Type /Pages /Parent {root} 0 R /Kids [{leaf_kids}] /Count {per_node} >>"),
        ));
    }
    let mut header = String::new();
    let mut objects = String::new();
    for (number, body) in &members {
        let _ = write!(header, "{number} {} ", objects.len());
        objects.push_str(body);
        objects.push('\n');
    }
    let packed = zlib(format!("{header}{objects}").as_bytes());

    let mut out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = std::collections::HashMap::new();
    let mut put = |out: &mut Vec<u8>, number: usize, body: &[u8]| {
        offsets.insert(number, out.len());
        let _ = writeln!(out, "{number} 0 obj");
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    };
    put(&mut out, catalog, format!("<< /Type /Catalog /Pages {root} 0 R >>").as_bytes());
    put(
        &mut out,
        page,
        format!("<< /Type /Page /Parent {first_node} 0 R /MediaBox {A4} /Contents {contents} 0 R /Resources << >> >>")
            .as_bytes(),
    );
    put(&mut out, contents, &stream("", b""));
    put(
        &mut out,
        object_stream,
        &stream(&format!("/Type /ObjStm /N {} /First {} /Filter /FlateDecode", members.len(), header.len()), &packed),
    );
    let xref_offset = out.len();
    offsets.insert(xref_stream, xref_offset);
    let mut entries = Vec::with_capacity(size * 7);
    let positions: std::collections::HashMap<usize, usize> =
        members.iter().enumerate().map(|(index, (number, _))| (*number, index)).collect();
    for number in 0..size {
        let (kind, field, generation): (u8, u32, u16) = if number == 0 {
            (0, 0, 65_535)
        } else if let Some(offset) = offsets.get(&number) {
            (1, u32::try_from(*offset).unwrap_or(0), 0)
        } else if let Some(index) = positions.get(&number) {
            (2, u32::try_from(object_stream).unwrap_or(0), u16::try_from(*index).unwrap_or(0))
        } else {
            (0, 0, 0)
        };
        entries.push(kind);
        entries.extend_from_slice(&field.to_be_bytes());
        entries.extend_from_slice(&generation.to_be_bytes());
    }
    let xref = stream(
        &format!("/Type /XRef /Size {size} /W [1 4 2] /Root {catalog} 0 R /Filter /FlateDecode"),
        &zlib(&entries),
    );
    let _ = writeln!(out, "{xref_stream} 0 obj");
    out.extend_from_slice(&xref);
    let _ = write!(out, "\nendobj\nstartxref\n{xref_offset}\n%%EOF\n");
    out
}

/// Case 3: one page of `side` × `side` points, blank or with one line of text.
pub fn huge_page_pdf(side: u32, with_text: bool) -> Vec<u8> {
    let content: &[u8] =
        if with_text { b"BT /F1 48 Tf 100 4800 Td (Facture d'electricite FA-2026-001) Tj ET" } else { b"" };
    one_page_pdf(&format!("[0 0 {side} {side}]"), content)
}

// ---------------------------------------------------------------------------
// Compression
// ---------------------------------------------------------------------------

const ADLER_BASE: u64 = 65_521;

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u64, 0u64);
    for chunk in data.chunks(5_000) {
        for &byte in chunk {
            a += u64::from(byte);
            b += a;
        }
        a %= ADLER_BASE;
        b %= ADLER_BASE;
    }
    u32::try_from((b << 16) | a).unwrap_or(0)
}

/// The Adler-32 of `A ++ B` from those of A and B (zlib's `adler32_combine`).
fn adler32_combine(first: u32, second: u32, second_len: u64) -> u32 {
    let rem = second_len % ADLER_BASE;
    let mut sum1 = u64::from(first & 0xffff);
    let mut sum2 = (rem * sum1) % ADLER_BASE;
    sum1 += u64::from(second & 0xffff) + ADLER_BASE - 1;
    sum2 += u64::from(first >> 16) + u64::from(second >> 16) + ADLER_BASE - rem;
    sum1 %= ADLER_BASE;
    sum2 %= ADLER_BASE;
    u32::try_from((sum2 << 16) | sum1).unwrap_or(0)
}

/// The Adler-32 of a block of `len` bytes whose checksum is `adler`, repeated `times`.
fn adler32_repeated(adler: u32, len: u64, times: u64) -> u32 {
    let (mut result, mut power, mut power_len, mut left) = (1u32, adler, len, times);
    while left > 0 {
        if left & 1 == 1 {
            result = adler32_combine(result, power, power_len);
        }
        power = adler32_combine(power, power, power_len);
        power_len *= 2;
        left >>= 1;
    }
    result
}

fn deflate_into(compressor: &mut Compress, mut input: &[u8], flush: FlushCompress) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len() / 512 + 4096);
    loop {
        if out.capacity() - out.len() < 4096 {
            out.reserve(out.capacity().max(4096));
        }
        let before = compressor.total_in();
        let status = compressor.compress_vec(input, &mut out, flush).expect("deflate");
        let consumed = usize::try_from(compressor.total_in() - before).unwrap_or(usize::MAX);
        input = &input[consumed..];
        let room_left = out.capacity() > out.len();
        match (status, flush) {
            (Status::StreamEnd, _) => return out,
            (_, FlushCompress::Finish) => {}
            _ if input.is_empty() && room_left => return out,
            _ => {}
        }
    }
}

/// A zlib stream (RFC 1950) that inflates to `pattern` repeated up to
/// `total` bytes, made in a few milliseconds however large `total` is:
/// one deflated 1 MiB segment is valid after any multiple of the pattern,
/// so the stream is a head, that segment again and again, and a tail.
/// `pattern.len()` must be a power of two; `total` a multiple of it and at
/// least 64 KiB. Deflate's best ratio is ~1030:1, so 1 GiB takes ~1 MB.
pub fn zlib_periodic(pattern: &[u8], total: u64) -> Vec<u8> {
    const HEAD: usize = 64 * 1024;
    const SEGMENT: usize = 1024 * 1024;
    assert!(pattern.len().is_power_of_two() && pattern.len() <= HEAD, "pattern length");
    assert!(total >= HEAD as u64 && total.is_multiple_of(pattern.len() as u64), "total");
    let unit: Vec<u8> = pattern.iter().copied().cycle().take(SEGMENT).collect();
    let mut compressor = Compress::new(Compression::best(), false);
    let head = deflate_into(&mut compressor, &unit[..HEAD], FlushCompress::Sync);
    let segment = deflate_into(&mut compressor, &unit, FlushCompress::Sync);
    let rest = total - HEAD as u64;
    let repeats = rest / SEGMENT as u64;
    let tail_len = usize::try_from(rest % SEGMENT as u64).unwrap_or(0);
    let tail = deflate_into(&mut compressor, &unit[..tail_len], FlushCompress::Finish);

    let mut adler = adler32(&unit[..HEAD]);
    adler = adler32_combine(adler, adler32_repeated(adler32(&unit), SEGMENT as u64, repeats), repeats * SEGMENT as u64);
    adler = adler32_combine(adler, adler32(&unit[..tail_len]), tail_len as u64);

    let repeats = usize::try_from(repeats).unwrap_or(0);
    let mut out = Vec::with_capacity(2 + head.len() + segment.len() * repeats + tail.len() + 4);
    out.extend_from_slice(&[0x78, 0xda]);
    out.extend_from_slice(&head);
    for _ in 0..repeats {
        out.extend_from_slice(&segment);
    }
    out.extend_from_slice(&tail);
    out.extend_from_slice(&adler.to_be_bytes());
    out
}

/// `data` zlib-compressed, as `/FlateDecode` reads it.
pub fn zlib(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), Compression::best());
    encoder.write_all(data).expect("deflate");
    encoder.finish().expect("deflate")
}

/// `/ASCIIHexDecode`'s encoding, with its `>` end marker.
pub fn ascii_hex(data: &[u8]) -> Vec<u8> {
    let mut out = String::with_capacity(data.len() * 2 + data.len() / 32 + 1);
    for (index, byte) in data.iter().enumerate() {
        let _ = write!(out, "{byte:02x}");
        if index % 64 == 63 {
            out.push('\n');
        }
    }
    out.push('>');
    out.into_bytes()
}

/// `/ASCII85Decode`'s encoding, with its `~>` end marker.
pub fn ascii85(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() * 5 / 4 + 8);
    let mut line = 0usize;
    for chunk in data.chunks(4) {
        let mut group = [0u8; 4];
        group[..chunk.len()].copy_from_slice(chunk);
        let value = u32::from_be_bytes(group);
        if value == 0 && chunk.len() == 4 {
            out.push(b'z');
        } else {
            let mut digits = [0u8; 5];
            let mut rest = value;
            for digit in digits.iter_mut().rev() {
                *digit = u8::try_from(rest % 85).unwrap_or(0) + b'!';
                rest /= 85;
            }
            out.extend_from_slice(&digits[..chunk.len() + 1]);
        }
        line += 1;
        if line.is_multiple_of(16) {
            out.push(b'\n');
        }
    }
    out.extend_from_slice(b"~>");
    out
}

/// An LZW stream as `/LZWDecode` reads it (MSB first, 9 to 12 bit codes,
/// EarlyChange 1) that decodes to about `total` zeros: each cycle is a
/// clear code, `0`, then codes 258, 259, … 4093, each the entry being
/// defined (the "KwKwK" case: one more zero than the last), so ~5.7 KB
/// of codes give 7,363,203 zeros. Written by hand: no encoder runs over
/// the gigabyte.
pub fn lzw_zeros(total: u64) -> Vec<u8> {
    const CLEAR: u32 = 256;
    const EOD: u32 = 257;
    const LAST: u32 = 4093;
    let per_cycle = lzw_cycle_len();
    let cycles = total.div_ceil(per_cycle).max(1);
    let mut bits = BitWriter::default();
    // The first clear code is read at 9 bits; the others at 12, the width
    // the table had reached.
    let mut clear_width = 9;
    for _ in 0..cycles {
        bits.put(CLEAR, clear_width);
        bits.put(0, 9);
        for code in 258..=LAST {
            // The decoder reads code `code` with the width its table size
            // (`code` entries) calls for, switching one code early.
            let width = match code + 1 {
                n if n < 512 => 9,
                n if n < 1024 => 10,
                n if n < 2048 => 11,
                _ => 12,
            };
            bits.put(code, width);
        }
        clear_width = 12;
    }
    bits.put(EOD, 12);
    bits.finish()
}

/// Zeros one [`lzw_zeros`] cycle decodes to: 1 + 2 + … + 3837.
pub fn lzw_cycle_len() -> u64 {
    let longest = 4093u64 - 256;
    1 + (2..=longest).sum::<u64>()
}

#[derive(Default)]
struct BitWriter {
    out: Vec<u8>,
    buffer: u64,
    filled: u32,
}

impl BitWriter {
    fn put(&mut self, code: u32, width: u32) {
        self.buffer = (self.buffer << width) | u64::from(code);
        self.filled += width;
        while self.filled >= 8 {
            self.filled -= 8;
            self.out.push(u8::try_from((self.buffer >> self.filled) & 0xff).unwrap_or(0));
        }
    }

    fn finish(mut self) -> Vec<u8> {
        if self.filled > 0 {
            self.out.push(u8::try_from((self.buffer << (8 - self.filled)) & 0xff).unwrap_or(0));
        }
        self.out
    }
}

/// `/RunLengthDecode` data of `wire_bytes` bytes: pairs `0x81 0x00`
/// (128 zeros each), then the end marker 128: 64 times its size.
pub fn run_length_zeros(wire_bytes: usize) -> Vec<u8> {
    let mut out: Vec<u8> = [0x81u8, 0x00].iter().copied().cycle().take(wire_bytes / 2 * 2).collect();
    out.push(0x80);
    out
}

/// A stream's data and the `/Filter` entry that decodes it.
#[derive(Clone)]
pub struct Encoded {
    pub filter: &'static str,
    pub data: Vec<u8>,
}

impl Encoded {
    pub fn plain(data: impl Into<Vec<u8>>) -> Self {
        Self { filter: "", data: data.into() }
    }
}

/// The filter chains of the compression bombs (cases 6 and 7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bomb {
    /// `/FlateDecode`: 1 GiB of zeros in ~1 MB.
    Flate,
    /// `[/FlateDecode /FlateDecode]`: the ~1 MB above deflated again, a few KB.
    FlateTwice,
    /// `[/ASCIIHexDecode /FlateDecode]`: the 1 GiB deflate stream in hex (~2 MB).
    AsciiHexFlate,
    /// `[/ASCII85Decode /FlateDecode]`: the same in base 85 (~1.3 MB).
    Ascii85Flate,
    /// `/LZWDecode`: ~1 GiB of zeros in ~0.8 MB of hand-made codes.
    Lzw,
    /// `/RunLengthDecode`: 2 MB expanding 64 times (128 MiB).
    RunLength,
    /// `[/FlateDecode /RunLengthDecode]`: 1 GiB of zeros as run-length
    /// pairs (16 MiB), deflated to ~16 KB.
    FlateRunLength,
}

impl Bomb {
    pub const ALL: [Self; 7] = [
        Self::Flate,
        Self::FlateTwice,
        Self::AsciiHexFlate,
        Self::Ascii85Flate,
        Self::Lzw,
        Self::RunLength,
        Self::FlateRunLength,
    ];

    /// The stream that expands to `bytes` zeros (run-length alone: see [`Bomb::RunLength`]).
    pub fn encode(self, bytes: u64, run_length_wire: usize) -> Encoded {
        match self {
            Self::Flate => Encoded { filter: "/Filter /FlateDecode", data: zlib_periodic(&[0], bytes) },
            Self::FlateTwice => {
                Encoded { filter: "/Filter [/FlateDecode /FlateDecode]", data: zlib(&zlib_periodic(&[0], bytes)) }
            }
            Self::AsciiHexFlate => Encoded {
                filter: "/Filter [/ASCIIHexDecode /FlateDecode]",
                data: ascii_hex(&zlib_periodic(&[0], bytes)),
            },
            Self::Ascii85Flate => {
                Encoded { filter: "/Filter [/ASCII85Decode /FlateDecode]", data: ascii85(&zlib_periodic(&[0], bytes)) }
            }
            Self::Lzw => Encoded { filter: "/Filter /LZWDecode", data: lzw_zeros(bytes) },
            Self::RunLength => Encoded { filter: "/Filter /RunLengthDecode", data: run_length_zeros(run_length_wire) },
            Self::FlateRunLength => {
                // Pairs of (0x81, 0x00): 128 zeros each; the end marker is left
                // out (decoders stop at the end of data).
                let pairs = bytes / 128;
                Encoded {
                    filter: "/Filter [/FlateDecode /RunLengthDecode]",
                    data: zlib_periodic(&[0x81, 0x00], pairs * 2),
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Factur-X PDFs
// ---------------------------------------------------------------------------

/// The XMP packet of a Factur-X EN 16931 PDF/A-3.
pub fn facturx_xmp() -> Vec<u8> {
    br#"<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"><pdfaid:part>3</pdfaid:part><pdfaid:conformance>B</pdfaid:conformance></rdf:Description>
<rdf:Description rdf:about="" xmlns:fx="urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#"><fx:DocumentType>INVOICE</fx:DocumentType><fx:DocumentFileName>factur-x.xml</fx:DocumentFileName><fx:Version>1.0</fx:Version><fx:ConformanceLevel>EN 16931</fx:ConformanceLevel></rdf:Description>
</rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"#
        .to_vec()
}

/// The content stream of the visible invoice.
pub fn invoice_page_content() -> Vec<u8> {
    b"BT /F1 14 Tf 72 770 Td (Facture FA-1) Tj 0 -20 Td (Vendeur SAS - Client SARL - 120,00 EUR) Tj ET".to_vec()
}

/// A Factur-X PDF: one A4 page (`content`), the XMP `metadata` as the
/// catalog's `/Metadata`, and `attachment` as `factur-x.xml` in the
/// `/EmbeddedFiles` name tree and `/AF` (AFRelationship Data).
pub fn facturx_pdf(attachment: &Encoded, metadata: &Encoded, content: &Encoded) -> Vec<u8> {
    let mut pdf = Pdf::new();
    let catalog = pdf.reserve();
    let pages = pdf.reserve();
    let font = pdf.add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>");
    let contents = pdf.add_stream(content.filter, &content.data);
    let page = pdf.add(format!(
        "<< /Type /Page /Parent {pages} 0 R /MediaBox {A4} /Contents {contents} 0 R \
         /Resources << /Font << /F1 {font} 0 R >> >> >>"
    ));
    pdf.set(pages, format!("<< /Type /Pages /Kids [{page} 0 R] /Count 1 >>"));
    let xml = pdf.add_stream(
        &format!(
            "/Type /EmbeddedFile /Subtype /text#2Fxml /Params << /ModDate (D:20261120120000+01'00') >> {}",
            attachment.filter
        ),
        &attachment.data,
    );
    let filespec = pdf.add(format!(
        "<< /Type /Filespec /F (factur-x.xml) /UF (factur-x.xml) /Desc (Factur-X invoice) \
         /AFRelationship /Data /EF << /F {xml} 0 R /UF {xml} 0 R >> >>"
    ));
    let xmp = pdf.add_stream(&format!("/Type /Metadata /Subtype /XML {}", metadata.filter), &metadata.data);
    pdf.set(
        catalog,
        format!(
            "<< /Type /Catalog /Pages {pages} 0 R /Metadata {xmp} 0 R \
             /Names << /EmbeddedFiles << /Names [(factur-x.xml) {filespec} 0 R] >> >> /AF [{filespec} 0 R] >>"
        ),
    );
    pdf.finish(catalog)
}

/// A Factur-X PDF around `xml`, everything else ordinary.
pub fn facturx_pdf_with_xml(xml: &[u8]) -> Vec<u8> {
    facturx_pdf(&Encoded::plain(xml), &Encoded::plain(facturx_xmp()), &Encoded::plain(invoice_page_content()))
}

/// Case 9: a PDF whose catalog holds `value` (an array or dictionary
/// nested very deep) under a key of its own, beside an ordinary Factur-X
/// attachment, so that any reader that parses the catalog meets it.
pub fn pdf_with_catalog_entry(value: &[u8]) -> Vec<u8> {
    let mut pdf = Pdf::new();
    let catalog = pdf.reserve();
    let pages = one_invoice_page(&mut pdf);
    let xml = pdf.add_stream("/Type /EmbeddedFile /Subtype /text#2Fxml", &cii_invoice("", ""));
    let filespec = pdf.add(format!(
        "<< /Type /Filespec /F (factur-x.xml) /UF (factur-x.xml) /AFRelationship /Data /EF << /F {xml} 0 R >> >>"
    ));
    let mut body = format!(
        "<< /Type /Catalog /Pages {pages} 0 R /Names << /EmbeddedFiles << /Names [(factur-x.xml) {filespec} 0 R] >> >> \
         /AF [{filespec} 0 R] /Deep "
    )
    .into_bytes();
    body.extend_from_slice(value);
    body.extend_from_slice(b" >>");
    pdf.set(catalog, body);
    pdf.finish(catalog)
}

/// A page tree of one ordinary invoice page; the tree's object number.
fn one_invoice_page(pdf: &mut Pdf) -> usize {
    let pages = pdf.reserve();
    let contents = pdf.add_stream("", &invoice_page_content());
    let page = pdf
        .add(format!("<< /Type /Page /Parent {pages} 0 R /MediaBox {A4} /Contents {contents} 0 R /Resources << >> >>"));
    pdf.set(pages, format!("<< /Type /Pages /Kids [{page} 0 R] /Count 1 >>"));
    pages
}

/// `[[[[ … ]]]]` nested `depth` deep.
pub fn deep_array(depth: usize) -> Vec<u8> {
    let mut out = vec![b'['; depth];
    out.extend(std::iter::repeat_n(b']', depth));
    out
}

/// `<< /A << /A … >> >>` nested `depth` deep.
pub fn deep_dictionary(depth: usize) -> Vec<u8> {
    let mut out = b"<< /A ".repeat(depth);
    out.extend_from_slice(b"null");
    out.extend_from_slice(&b" >>".repeat(depth));
    out
}

/// Case 9: a PDF whose attachment's `/EF /F` goes through `length`
/// objects each holding only a reference to the next one
/// (`1 0 R` → `2 0 R` → …) before the stream.
pub fn reference_chain_pdf(length: usize) -> Vec<u8> {
    let mut pdf = Pdf::new();
    let catalog = pdf.reserve();
    let pages = one_invoice_page(&mut pdf);
    let links: Vec<usize> = (0..length).map(|_| pdf.reserve()).collect();
    let xml = pdf.add_stream("/Type /EmbeddedFile /Subtype /text#2Fxml", &cii_invoice("", ""));
    for (index, &link) in links.iter().enumerate() {
        let next = links.get(index + 1).copied().unwrap_or(xml);
        pdf.set(link, format!("{next} 0 R"));
    }
    let filespec = pdf.add(format!(
        "<< /Type /Filespec /F (factur-x.xml) /UF (factur-x.xml) /AFRelationship /Data /EF << /F {} 0 R >> >>",
        links[0]
    ));
    pdf.set(
        catalog,
        format!(
            "<< /Type /Catalog /Pages {pages} 0 R /Names << /EmbeddedFiles << /Names [(factur-x.xml) {filespec} 0 R] >> >> \
             /AF [{filespec} 0 R] >>"
        ),
    );
    pdf.finish(catalog)
}

// ---------------------------------------------------------------------------
// CII XML
// ---------------------------------------------------------------------------

/// A complete EN 16931 CII invoice (valid as written), with
/// `issue_date_extra` inside `ram:IssueDateTime` after its date and
/// `document_extra` at the end of `rsm:ExchangedDocument`.
pub fn cii_invoice(issue_date_extra: &str, document_extra: &str) -> Vec<u8> {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100" xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100" xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100" xmlns:qdt="urn:un:unece:uncefact:data:standard:QualifiedDataType:100">
<rsm:ExchangedDocumentContext><ram:GuidelineSpecifiedDocumentContextParameter><ram:ID>urn:cen.eu:en16931:2017</ram:ID></ram:GuidelineSpecifiedDocumentContextParameter></rsm:ExchangedDocumentContext>
<rsm:ExchangedDocument><ram:ID>FA-1</ram:ID><ram:TypeCode>380</ram:TypeCode><ram:IssueDateTime><udt:DateTimeString format="102">20261120</udt:DateTimeString>{issue_date_extra}</ram:IssueDateTime>{document_extra}</rsm:ExchangedDocument>
<rsm:SupplyChainTradeTransaction>
<ram:IncludedSupplyChainTradeLineItem>
<ram:AssociatedDocumentLineDocument><ram:LineID>1</ram:LineID></ram:AssociatedDocumentLineDocument>
<ram:SpecifiedTradeProduct><ram:Name>Maintenance</ram:Name></ram:SpecifiedTradeProduct>
<ram:SpecifiedLineTradeAgreement><ram:NetPriceProductTradePrice><ram:ChargeAmount>100.00</ram:ChargeAmount></ram:NetPriceProductTradePrice></ram:SpecifiedLineTradeAgreement>
<ram:SpecifiedLineTradeDelivery><ram:BilledQuantity unitCode="C62">1</ram:BilledQuantity></ram:SpecifiedLineTradeDelivery>
<ram:SpecifiedLineTradeSettlement><ram:ApplicableTradeTax><ram:TypeCode>VAT</ram:TypeCode><ram:CategoryCode>S</ram:CategoryCode><ram:RateApplicablePercent>20</ram:RateApplicablePercent></ram:ApplicableTradeTax><ram:SpecifiedTradeSettlementLineMonetarySummation><ram:LineTotalAmount>100.00</ram:LineTotalAmount></ram:SpecifiedTradeSettlementLineMonetarySummation></ram:SpecifiedLineTradeSettlement>
</ram:IncludedSupplyChainTradeLineItem>
<ram:ApplicableHeaderTradeAgreement>
<ram:SellerTradeParty><ram:Name>Vendeur SAS</ram:Name><ram:SpecifiedLegalOrganization><ram:ID schemeID="0002">123456782</ram:ID></ram:SpecifiedLegalOrganization><ram:PostalTradeAddress><ram:PostcodeCode>69002</ram:PostcodeCode><ram:CityName>Lyon</ram:CityName><ram:CountryID>FR</ram:CountryID></ram:PostalTradeAddress><ram:SpecifiedTaxRegistration><ram:ID schemeID="VA">FR32123456782</ram:ID></ram:SpecifiedTaxRegistration></ram:SellerTradeParty>
<ram:BuyerTradeParty><ram:Name>Client SARL</ram:Name><ram:PostalTradeAddress><ram:CountryID>FR</ram:CountryID></ram:PostalTradeAddress></ram:BuyerTradeParty>
</ram:ApplicableHeaderTradeAgreement>
<ram:ApplicableHeaderTradeDelivery/>
<ram:ApplicableHeaderTradeSettlement>
<ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>
<ram:SpecifiedTradeSettlementPaymentMeans><ram:TypeCode>58</ram:TypeCode><ram:PayeePartyCreditorFinancialAccount><ram:IBANID>FR7630006000011234567890189</ram:IBANID></ram:PayeePartyCreditorFinancialAccount></ram:SpecifiedTradeSettlementPaymentMeans>
<ram:ApplicableTradeTax><ram:CalculatedAmount>20.00</ram:CalculatedAmount><ram:TypeCode>VAT</ram:TypeCode><ram:BasisAmount>100.00</ram:BasisAmount><ram:CategoryCode>S</ram:CategoryCode><ram:RateApplicablePercent>20</ram:RateApplicablePercent></ram:ApplicableTradeTax>
<ram:SpecifiedTradePaymentTerms><ram:DueDateDateTime><udt:DateTimeString format="102">20261220</udt:DateTimeString></ram:DueDateDateTime></ram:SpecifiedTradePaymentTerms>
<ram:SpecifiedTradeSettlementHeaderMonetarySummation><ram:LineTotalAmount>100.00</ram:LineTotalAmount><ram:TaxBasisTotalAmount>100.00</ram:TaxBasisTotalAmount><ram:TaxTotalAmount currencyID="EUR">20.00</ram:TaxTotalAmount><ram:GrandTotalAmount>120.00</ram:GrandTotalAmount><ram:DuePayableAmount>120.00</ram:DuePayableAmount></ram:SpecifiedTradeSettlementHeaderMonetarySummation>
</ram:ApplicableHeaderTradeSettlement>
</rsm:SupplyChainTradeTransaction>
</rsm:CrossIndustryInvoice>
"#
    )
    .into_bytes()
}

/// Case 8: the invoice with `count` empty `ram:Zz` children in its
/// `ram:IssueDateTime` (9 bytes each: 80,000 make ~720 KB).
pub fn cii_with_unexpected_children_in_issue_date(count: usize) -> Vec<u8> {
    cii_invoice(&"<ram:Zz/>".repeat(count), "")
}

/// Case 8: the invoice with `count` unknown elements in `rsm:ExchangedDocument`.
pub fn cii_with_unexpected_children_in_document(count: usize) -> Vec<u8> {
    cii_invoice("", &"<ram:Zz/>".repeat(count))
}

/// Case 8b: the invoice with `count` lines and `count` VAT breakdowns,
/// each line and breakdown of its own rate, under the guideline `guideline`:
/// rules that match each breakdown with the lines would do `count`² work.
pub fn cii_with_lines_and_breakdowns(count: usize, guideline: &str) -> Vec<u8> {
    let invoice = String::from_utf8(cii_invoice("", "")).expect("utf-8");
    let block = |start: &str, end: &str| -> (usize, usize) {
        let from = invoice.find(start).expect("the block's start");
        (from, from + invoice[from..].find(end).expect("the block's end") + end.len())
    };
    let (line_start, line_end) =
        block("<ram:IncludedSupplyChainTradeLineItem>", "</ram:IncludedSupplyChainTradeLineItem>\n");
    let (tax_start, tax_end) = block("<ram:ApplicableTradeTax><ram:CalculatedAmount>", "</ram:ApplicableTradeTax>\n");
    let rate = "<ram:RateApplicablePercent>20</ram:RateApplicablePercent>";
    let repeated = |text: &str| -> String {
        (1..=count)
            .map(|index| {
                text.replace(
                    rate,
                    &format!(
                        "<ram:RateApplicablePercent>{}.{:02}</ram:RateApplicablePercent>",
                        index / 100,
                        index % 100
                    ),
                )
            })
            .collect()
    };
    let (lines, taxes) = (repeated(&invoice[line_start..line_end]), repeated(&invoice[tax_start..tax_end]));
    let xml =
        format!("{}{lines}{}{taxes}{}", &invoice[..line_start], &invoice[line_end..tax_start], &invoice[tax_end..]);
    xml.replace("<ram:ID>urn:cen.eu:en16931:2017</ram:ID>", &format!("<ram:ID>{guideline}</ram:ID>")).into_bytes()
}

/// Case 9: the invoice's root holding elements nested `depth` deep
/// (`<a><a>…</a></a>`, 7 bytes a level).
pub fn cii_nested(depth: usize) -> Vec<u8> {
    let inner = format!("{}{}", "<a>".repeat(depth), "</a>".repeat(depth));
    cii_invoice("", &inner)
}

/// Case 10: the classic billion laughs: ten entities of ten references
/// each, 10^9 `lol`s once expanded, in the invoice's ID.
pub fn billion_laughs() -> Vec<u8> {
    let mut dtd = String::from("<!DOCTYPE rsm:CrossIndustryInvoice [\n<!ENTITY lol \"lol\">\n");
    for level in 1..=9 {
        let previous = if level == 1 { "lol".to_owned() } else { format!("lol{}", level - 1) };
        let _ = writeln!(dtd, "<!ENTITY lol{level} \"{}\">", format!("&{previous};").repeat(10));
    }
    dtd.push_str("]>\n");
    with_doctype(&dtd, "&lol9;")
}

/// Case 10: an external entity naming `/etc/passwd`, used in the invoice's ID.
pub fn external_entity() -> Vec<u8> {
    with_doctype("<!DOCTYPE rsm:CrossIndustryInvoice [\n<!ENTITY xxe SYSTEM \"file:///etc/passwd\">\n]>\n", "&xxe;")
}

/// Case 10: an XMP packet whose DTD names `/etc/passwd`, used in the file name.
pub fn external_entity_xmp() -> Vec<u8> {
    let xmp = String::from_utf8_lossy(&facturx_xmp()).into_owned();
    let xmp =
        xmp.replacen("<x:xmpmeta", "<!DOCTYPE x:xmpmeta [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n<x:xmpmeta", 1);
    xmp.replacen("<fx:DocumentFileName>factur-x.xml", "<fx:DocumentFileName>&xxe;", 1).into_bytes()
}

fn with_doctype(doctype: &str, id: &str) -> Vec<u8> {
    let xml = String::from_utf8_lossy(&cii_invoice("", "")).into_owned();
    let xml = xml.replacen("<ram:ID>FA-1</ram:ID>", &format!("<ram:ID>{id}</ram:ID>"), 1);
    xml.replacen("<rsm:CrossIndustryInvoice ", &format!("{doctype}<rsm:CrossIndustryInvoice "), 1).into_bytes()
}

/// Whether `body` holds a line of a Unix password file (`root:x:0:…`).
pub fn leaks_passwd(body: &[u8]) -> bool {
    let text = String::from_utf8_lossy(body);
    text.match_indices("root:").any(|(at, _)| {
        let rest = &text[at + 5..];
        // root:<password field>:0:
        rest.split_once(':').is_some_and(|(password, after)| password.len() <= 64 && after.starts_with("0:"))
    })
}

// ---------------------------------------------------------------------------
// Images
// ---------------------------------------------------------------------------

fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&u32::try_from(data.len()).unwrap_or(u32::MAX).to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let mut crc = flate2::Crc::new();
    crc.update(kind);
    crc.update(data);
    out.extend_from_slice(&crc.sum().to_be_bytes());
}

/// A PNG of `width` × `height`, 8-bit RGB, whose IDAT holds `idat` (a zlib stream).
pub fn png(width: u32, height: u32, idat: &[u8]) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut header = Vec::with_capacity(13);
    header.extend_from_slice(&width.to_be_bytes());
    header.extend_from_slice(&height.to_be_bytes());
    header.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit, RGB, deflate, adaptive filter, no interlace
    png_chunk(&mut out, b"IHDR", &header);
    png_chunk(&mut out, b"IDAT", idat);
    png_chunk(&mut out, b"IEND", b"");
    out
}

/// Case 4: a complete, valid black RGB PNG of `side` × `side` pixels:
/// every row is filter 0 then zeros, so the image data is all zeros
/// (9000² px: 243 MB raw, ~235 KB deflated, deflate's best ratio).
pub fn black_png(side: u32) -> Vec<u8> {
    let raw = u64::from(side) * (1 + 3 * u64::from(side));
    png(side, side, &zlib_periodic(&[0], raw))
}

/// A 1 × 1 PNG: the smallest valid image.
pub fn tiny_png() -> Vec<u8> {
    png(1, 1, &zlib(&[0, 255, 255, 255]))
}

/// Case 5: a PNG announcing `side` × `side` pixels with a few bytes of data.
pub fn png_announcing(side: u32) -> Vec<u8> {
    png(side, side, &zlib(&[0u8; 64]))
}

/// Case 5: a baseline JPEG whose frame header announces `width` × `height`
/// (at most 65535 each), then a few bytes of scan data.
pub fn jpeg_announcing(width: u16, height: u16) -> Vec<u8> {
    let mut out = vec![0xff, 0xd8]; // SOI
    // APP0 JFIF
    out.extend_from_slice(&[0xff, 0xe0, 0, 16, b'J', b'F', b'I', b'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]);
    // DQT: table 0, all ones
    out.extend_from_slice(&[0xff, 0xdb, 0, 67, 0]);
    out.extend_from_slice(&[1u8; 64]);
    // SOF0: 8-bit, height, width, 3 components 1x1 sampling, table 0
    out.extend_from_slice(&[0xff, 0xc0, 0, 17, 8]);
    out.extend_from_slice(&height.to_be_bytes());
    out.extend_from_slice(&width.to_be_bytes());
    out.extend_from_slice(&[3, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0]);
    // DHT: DC table 0 and AC table 0, one code of length 1 each (symbol 0)
    out.extend_from_slice(&[0xff, 0xc4, 0, 20, 0x00]);
    out.extend_from_slice(&[1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    out.extend_from_slice(&[0xff, 0xc4, 0, 20, 0x10]);
    out.extend_from_slice(&[1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    // SOS: 3 components on tables 0/0
    out.extend_from_slice(&[0xff, 0xda, 0, 12, 3, 1, 0, 2, 0, 3, 0, 0, 63, 0]);
    out.extend_from_slice(&[0u8; 256]);
    out.extend_from_slice(&[0xff, 0xd9]); // EOI
    out
}

/// Case 5: a 24-bit BMP whose header announces `width` × `height`, with
/// a few bytes of pixels.
pub fn bmp_announcing(width: i32, height: i32) -> Vec<u8> {
    let pixels = [0u8; 256];
    let mut out = b"BM".to_vec();
    let file_size = 14 + 40 + u32::try_from(pixels.len()).unwrap_or(0);
    out.extend_from_slice(&file_size.to_le_bytes());
    out.extend_from_slice(&[0, 0, 0, 0]);
    out.extend_from_slice(&54u32.to_le_bytes());
    out.extend_from_slice(&40u32.to_le_bytes());
    out.extend_from_slice(&width.to_le_bytes());
    out.extend_from_slice(&height.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes()); // planes
    out.extend_from_slice(&24u16.to_le_bytes()); // bits per pixel
    out.extend_from_slice(&0u32.to_le_bytes()); // BI_RGB
    let image_size = u32::try_from(i64::from(width) * 3 * i64::from(height)).unwrap_or(u32::MAX);
    out.extend_from_slice(&image_size.to_le_bytes());
    out.extend_from_slice(&2835i32.to_le_bytes());
    out.extend_from_slice(&2835i32.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&pixels);
    out
}

/// Case 5: a little-endian baseline RGB TIFF whose IFD announces
/// `width` × `height`, one strip of a few bytes.
pub fn tiff_announcing(width: u32, height: u32) -> Vec<u8> {
    const SHORT: u16 = 3;
    const LONG: u16 = 4;
    const ENTRIES: u32 = 10;
    let ifd_offset = 8u32;
    let bits_offset = ifd_offset + 2 + 12 * ENTRIES + 4;
    let strip_offset = bits_offset + 6;
    let entries: [(u16, u16, u32, u32); ENTRIES as usize] = [
        (256, LONG, 1, width),        // ImageWidth
        (257, LONG, 1, height),       // ImageLength
        (258, SHORT, 3, bits_offset), // BitsPerSample: 8, 8, 8 (at an offset)
        (259, SHORT, 1, 1),           // Compression: none
        (262, SHORT, 1, 2),           // PhotometricInterpretation: RGB
        (273, LONG, 1, strip_offset), // StripOffsets
        (277, SHORT, 1, 3),           // SamplesPerPixel
        (278, LONG, 1, height),       // RowsPerStrip
        (279, LONG, 1, 256),          // StripByteCounts
        (284, SHORT, 1, 1),           // PlanarConfiguration: chunky
    ];
    let mut out = b"II*\0".to_vec();
    out.extend_from_slice(&ifd_offset.to_le_bytes());
    out.extend_from_slice(&u16::try_from(ENTRIES).unwrap_or(0).to_le_bytes());
    for (tag, kind, count, value) in entries {
        out.extend_from_slice(&tag.to_le_bytes());
        out.extend_from_slice(&kind.to_le_bytes());
        out.extend_from_slice(&count.to_le_bytes());
        if kind == SHORT && count == 1 {
            out.extend_from_slice(&u16::try_from(value).unwrap_or(0).to_le_bytes());
            out.extend_from_slice(&[0, 0]);
        } else {
            out.extend_from_slice(&value.to_le_bytes());
        }
    }
    out.extend_from_slice(&0u32.to_le_bytes()); // no next IFD
    for _ in 0..3 {
        out.extend_from_slice(&8u16.to_le_bytes());
    }
    out.extend_from_slice(&[0u8; 256]);
    out
}

// ---------------------------------------------------------------------------
// Multipart bodies
// ---------------------------------------------------------------------------

/// A `multipart/form-data` body written byte by byte (RFC 7578), so that a
/// file name may hold anything (`../`, backslashes, NUL, 5,000 bytes) and
/// parts may number in the thousands.
pub struct Multipart {
    boundary: String,
    body: Vec<u8>,
}

impl Default for Multipart {
    fn default() -> Self {
        Self::new()
    }
}

impl Multipart {
    pub fn new() -> Self {
        Self { boundary: "hostile-boundary-7f3a9c2e5b14".to_owned(), body: Vec::new() }
    }

    /// A file part; `file_name` goes between the quotes as it is.
    pub fn file(mut self, field: &str, file_name: &[u8], content_type: &str, data: &[u8]) -> Self {
        let _ =
            write!(self.body, "--{}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"", self.boundary);
        self.body.extend_from_slice(file_name);
        let _ = write!(self.body, "\"\r\nContent-Type: {content_type}\r\n\r\n");
        self.body.extend_from_slice(data);
        self.body.extend_from_slice(b"\r\n");
        self
    }

    pub fn text(mut self, field: &str, value: &str) -> Self {
        let _ = write!(
            self.body,
            "--{}\r\nContent-Disposition: form-data; name=\"{field}\"\r\n\r\n{value}\r\n",
            self.boundary
        );
        self
    }

    /// The `Content-Type` header value.
    pub fn content_type(&self) -> String {
        format!("multipart/form-data; boundary={}", self.boundary)
    }

    /// What is written before a file part's data (for a body streamed by hand).
    pub fn file_part_head(&self, field: &str, file_name: &str, content_type: &str) -> Vec<u8> {
        format!(
            "--{}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{file_name}\"\r\nContent-Type: {content_type}\r\n\r\n",
            self.boundary
        )
        .into_bytes()
    }

    /// What closes a body after a file part's data.
    pub fn closing(&self) -> Vec<u8> {
        format!("\r\n--{}--\r\n", self.boundary).into_bytes()
    }

    /// `(content type, body)`.
    pub fn finish(mut self) -> (String, Vec<u8>) {
        let _ = write!(self.body, "--{}--\r\n", self.boundary);
        (self.content_type(), self.body)
    }
}

/// Case 13: `count` parts named `field`, each a tiny file.
pub fn many_parts(field: &str, count: usize, file_name: &str, content_type: &str, data: &[u8]) -> (String, Vec<u8>) {
    let mut form = Multipart::new();
    for _ in 0..count {
        form = form.file(field, file_name.as_bytes(), content_type, data);
    }
    form.finish()
}

/// Case 14: the hostile file names, each bare and ending in `.{extension}`
/// (routes that check the extension then take them in), with what each is
/// called in messages.
pub fn traversal_names(extension: &str) -> Vec<(String, Vec<u8>)> {
    let bases: [(&str, &[u8]); 4] = [
        ("unix traversal", b"../../../../etc/passwd"),
        ("windows traversal", b"..\\..\\win.ini"),
        ("absolute path", b"/etc/passwd"),
        ("NUL byte", b"passwd\0"),
    ];
    let mut names = Vec::new();
    for (what, base) in bases {
        names.push((what.to_owned(), base.to_vec()));
        names.push((format!("{what} .{extension}"), [base, b".", extension.as_bytes()].concat()));
    }
    names.push((
        "5,000-character name".to_owned(),
        [b"a".repeat(4_995), b".".to_vec(), extension.as_bytes().to_vec()].concat(),
    ));
    names
}

// ---------------------------------------------------------------------------
// The generators' own checks (no platform needed)
// ---------------------------------------------------------------------------

#[cfg(test)]
mod checks {
    use std::io::Read as _;

    use super::*;

    fn inflate(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::ZlibDecoder::new(data).read_to_end(&mut out).expect("a valid zlib stream");
        out
    }

    #[test]
    fn periodic_zlib_inflates_to_the_pattern() {
        for (pattern, total) in
            [(&[0u8][..], 3 * 1024 * 1024 + 64 * 1024 + 17), (&[0x81, 0x00][..], 2 * 1024 * 1024 + 100_000)]
        {
            let total = total / pattern.len() as u64 * pattern.len() as u64;
            let inflated = inflate(&zlib_periodic(pattern, total));
            assert_eq!(inflated.len() as u64, total);
            assert!(inflated.chunks(pattern.len()).all(|chunk| chunk == pattern));
        }
    }

    #[test]
    fn a_gibibyte_bomb_is_about_a_megabyte() {
        let bomb = zlib_periodic(&[0], crate::limits::BOMB_BYTES);
        assert!(bomb.len() < 1_200_000, "{} bytes", bomb.len());
        let twice = zlib(&bomb);
        assert!(twice.len() < 20_000, "{} bytes", twice.len());
        assert_eq!(inflate(&twice), bomb);
    }

    #[test]
    fn the_lzw_bomb_decodes_to_zeros() {
        let data = lzw_zeros(2 * lzw_cycle_len());
        let mut decoder = weezl::decode::Decoder::with_tiff_size_switch(weezl::BitOrder::Msb, 8);
        let decoded = decoder.decode(&data).expect("a valid LZW stream");
        assert_eq!(decoded.len() as u64, 2 * lzw_cycle_len());
        assert!(decoded.iter().all(|&byte| byte == 0));
    }

    #[test]
    fn the_black_png_inflates_to_its_announced_size() {
        let side = 300u32;
        let png = black_png(side);
        let idat_len = u32::from_be_bytes([png[33], png[34], png[35], png[36]]) as usize;
        let idat = &png[41..41 + idat_len];
        assert_eq!(inflate(idat).len(), (side * (1 + 3 * side)) as usize);
    }

    #[test]
    fn the_ascii_encodings_round_trip_a_known_value() {
        assert_eq!(ascii85(b"Man "), b"9jqo^~>".to_vec());
        assert_eq!(ascii85(&[0, 0, 0, 0]), b"z~>".to_vec());
        assert_eq!(ascii_hex(&[0xab, 0x01]), b"ab01>".to_vec());
    }

    fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
        haystack.windows(needle.len()).position(|window| window == needle)
    }

    #[test]
    fn pdfs_have_a_consistent_cross_reference_table() {
        for pdf in
            [small_pdf(), blank_pages_pdf(200), huge_page_tree_pdf(10, 5), facturx_pdf_with_xml(&cii_invoice("", ""))]
        {
            let tail = pdf.len().saturating_sub(64);
            let at = find(&pdf[tail..], b"startxref\n").expect("startxref") + tail + 10;
            let startxref: usize =
                String::from_utf8_lossy(&pdf[at..]).lines().next().and_then(|n| n.parse().ok()).expect("offset");
            let table = String::from_utf8_lossy(&pdf[startxref..]).into_owned();
            assert!(table.starts_with("xref\n"));
            for (index, line) in table.lines().skip(3).take_while(|line| line.ends_with(" n ")).enumerate() {
                let offset: usize = line[..10].parse().expect("offset");
                assert!(pdf[offset..].starts_with(format!("{} 0 obj", index + 1).as_bytes()), "object {}", index + 1);
            }
        }
        assert!(blank_pages_pdf(200).len() < 30_000);
        assert!(huge_page_tree_pdf(10, 5).len() < 5_000);
    }

    #[test]
    fn the_passwd_detector_sees_a_passwd_line_only() {
        assert!(leaks_passwd(b"xx root:x:0:0:root:/root:/bin/bash"));
        assert!(!leaks_passwd(b"the XML root: rsm:CrossIndustryInvoice"));
    }
}
