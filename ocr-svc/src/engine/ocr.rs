//! Tesseract engines kept loaded on their own threads: loading the French
//! model costs far more than reading a page, so each thread loads it once
//! and then takes pages from a shared queue, one thread per core.

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;

use tesseract::Tesseract;
use tokio::sync::oneshot;

use super::words::{Word, parse_tsv};

#[derive(Debug, thiserror::Error)]
pub enum OcrError {
    #[error("the OCR engine could not start: {0}")]
    Unavailable(String),
    #[error("the image could not be read")]
    UnreadableImage,
    #[error("the OCR engine failed: {0}")]
    Failed(String),
}

struct PageJob {
    image: Vec<u8>,
    dpi: Option<i32>,
    scale: f32,
    reply: oneshot::Sender<Result<Vec<Word>, OcrError>>,
}

#[derive(Clone)]
pub struct OcrPool {
    jobs: mpsc::Sender<PageJob>,
}

impl OcrPool {
    /// Starts `threads` engines for `language`, and fails if the model is missing.
    pub fn start(threads: usize, language: &str) -> Result<Self, OcrError> {
        Tesseract::new(None, Some(language)).map_err(|error| OcrError::Unavailable(error.to_string()))?;
        let (sender, receiver) = mpsc::channel::<PageJob>();
        let receiver = Arc::new(Mutex::new(receiver));
        for index in 0..threads.max(1) {
            let receiver = Arc::clone(&receiver);
            let language = language.to_owned();
            thread::Builder::new()
                .name(format!("ocr-{index}"))
                .spawn(move || serve(&receiver, &language))
                .map_err(|error| OcrError::Unavailable(error.to_string()))?;
        }
        Ok(Self { jobs: sender })
    }

    /// Words of one image (PNG, JPEG, PNM, BMP or TIFF bytes). `dpi` is the
    /// rasterisation resolution when known; `scale` converts pixels to the
    /// unit boxes are reported in.
    pub async fn recognise(&self, image: Vec<u8>, dpi: Option<i32>, scale: f32) -> Result<Vec<Word>, OcrError> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(PageJob { image, dpi, scale, reply })
            .map_err(|_| OcrError::Unavailable("the OCR threads have stopped".into()))?;
        answer.await.map_err(|_| OcrError::Failed("the OCR thread stopped mid-page".into()))?
    }
}

fn serve(receiver: &Mutex<mpsc::Receiver<PageJob>>, language: &str) {
    let mut engine: Option<Tesseract> = None;
    loop {
        let job = match receiver.lock() {
            Ok(receiver) => receiver.recv(),
            Err(_) => return,
        };
        let Ok(job) = job else { return };
        let loaded = match engine.take() {
            Some(engine) => Ok(engine),
            None => Tesseract::new(None, Some(language)).map_err(|error| OcrError::Unavailable(error.to_string())),
        };
        let result = loaded.and_then(|loaded| read_page(loaded, &job));
        let words = match result {
            Ok((reusable, words)) => {
                engine = Some(reusable);
                Ok(words)
            }
            Err(error) => Err(error),
        };
        let _ = job.reply.send(words);
    }
}

fn read_page(engine: Tesseract, job: &PageJob) -> Result<(Tesseract, Vec<Word>), OcrError> {
    let engine = engine.set_image_from_mem(&job.image).map_err(|_| OcrError::UnreadableImage)?;
    let engine = match job.dpi {
        Some(dpi) => engine.set_source_resolution(dpi),
        None => engine,
    };
    let mut engine = engine.recognize().map_err(|error| OcrError::Failed(error.to_string()))?;
    let tsv = engine.get_tsv_text(0).map_err(|error| OcrError::Failed(error.to_string()))?;
    // Tesseract numbers the page of a single image 1 in its TSV.
    Ok((engine, parse_tsv(&tsv, 1, job.scale)))
}
