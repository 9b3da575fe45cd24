//! The PDF writer's built-in typeface, DejaVu Sans, is compiled into the
//! binary from the files of Debian's `fonts-dejavu-core` (installed by
//! `scripts/setup`), or from `PLATFORM_PDF_FONT_DIR`.

use std::path::Path;

fn main() {
    println!("cargo:rerun-if-env-changed=PLATFORM_PDF_FONT_DIR");
    let directory =
        std::env::var("PLATFORM_PDF_FONT_DIR").unwrap_or_else(|_| "/usr/share/fonts/truetype/dejavu".to_owned());
    for (variable, file) in [("PLATFORM_PDF_REGULAR_FONT", "DejaVuSans.ttf"), ("PLATFORM_PDF_BOLD_FONT", "DejaVuSans-Bold.ttf")]
    {
        let path = Path::new(&directory).join(file);
        assert!(
            path.is_file(),
            "{} is missing: PDFs embed DejaVu Sans; install fonts-dejavu-core (scripts/setup does) \
             or point PLATFORM_PDF_FONT_DIR at a folder holding {file}",
            path.display()
        );
        println!("cargo:rerun-if-changed={}", path.display());
        println!("cargo:rustc-env={variable}={}", path.display());
    }
}
