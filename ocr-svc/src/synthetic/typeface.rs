//! The typefaces synthetic bills are printed in, embedded in their PDFs so
//! that a bill looks the same on every machine (a PDF naming Helvetica
//! without embedding it is drawn with whatever the machine substitutes,
//! and Tesseract reads each substitute differently). The extraction is
//! measured on several, so that it does not come to depend on one font's
//! shapes.

use std::fmt;
use std::path::Path;
use std::str::FromStr;
use std::sync::{Arc, OnceLock};

use anyhow::Context;
use common::pdf::Typeface;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BillTypeface {
    /// Liberation Sans (`fonts-liberation`): Helvetica's and Arial's
    /// metrics, as most bills print.
    #[default]
    LiberationSans,
    /// FreeSans (`fonts-freefont-ttf`), drawn from URW's Nimbus Sans, the
    /// Helvetica clone that `fonts-urw-base35` substitutes.
    FreeSans,
    /// DejaVu Sans, the PDF writer's built-in typeface: wider, rounder.
    DejaVuSans,
}

impl BillTypeface {
    pub const ALL: [BillTypeface; 3] = [BillTypeface::LiberationSans, BillTypeface::FreeSans, BillTypeface::DejaVuSans];

    pub fn name(self) -> &'static str {
        match self {
            BillTypeface::LiberationSans => "liberation-sans",
            BillTypeface::FreeSans => "free-sans",
            BillTypeface::DejaVuSans => "dejavu-sans",
        }
    }

    /// The regular and bold files, from the Debian packages `scripts/setup`
    /// installs; none for the built-in typeface.
    fn files(self) -> Option<(&'static str, &'static str, &'static str)> {
        match self {
            BillTypeface::LiberationSans => Some((
                "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
                "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
                "fonts-liberation",
            )),
            BillTypeface::FreeSans => Some((
                "/usr/share/fonts/truetype/freefont/FreeSans.ttf",
                "/usr/share/fonts/truetype/freefont/FreeSansBold.ttf",
                "fonts-freefont-ttf",
            )),
            BillTypeface::DejaVuSans => None,
        }
    }

    /// The faces, read once per process.
    pub fn typeface(self) -> anyhow::Result<Arc<Typeface>> {
        static LOADED: [OnceLock<Arc<Typeface>>; 3] = [OnceLock::new(), OnceLock::new(), OnceLock::new()];
        let Some((regular, bold, package)) = self.files() else {
            return Ok(Typeface::builtin().clone());
        };
        let slot = &LOADED[self as usize];
        if let Some(typeface) = slot.get() {
            return Ok(typeface.clone());
        }
        let typeface = Typeface::load(Path::new(regular), Path::new(bold))
            .map_err(anyhow::Error::msg)
            .with_context(|| format!("the {self} bill typeface: install {package} (scripts/setup does)"))?;
        Ok(slot.get_or_init(|| Arc::new(typeface)).clone())
    }
}

impl fmt::Display for BillTypeface {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.name())
    }
}

impl FromStr for BillTypeface {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|typeface| typeface.name() == name).ok_or_else(|| {
            let names: Vec<&str> = Self::ALL.iter().map(|typeface| typeface.name()).collect();
            format!("unknown typeface {name:?}: one of {}", names.join(", "))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typefaces_are_named_and_read_back() {
        for typeface in BillTypeface::ALL {
            assert_eq!(typeface.name().parse(), Ok(typeface));
        }
        assert!("helvetica".parse::<BillTypeface>().is_err());
    }
}
