//! Headless Chromium driven through chromedriver (Debian's `chromium` and
//! `chromium-driver`, installed by `scripts/test`), for the end-to-end
//! tests of the server-rendered pages, with screenshots for a person to
//! look at.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

/// The chromedriver process, stopped when dropped.
pub struct Chromedriver(Child);

impl Drop for Chromedriver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A new Chromium session, 1280×1000, on a chromedriver of its own.
pub async fn browser() -> (Chromedriver, Client) {
    let port = super::free_port();
    let child = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver is missing: scripts/test installs Debian's chromium and chromium-driver");
    let driver = Chromedriver(child);
    let mut options = json!({"args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1000"]});
    if std::path::Path::new("/usr/bin/chromium").exists() {
        options["binary"] = json!("/usr/bin/chromium");
    }
    let capabilities = serde_json::Map::from_iter([("goog:chromeOptions".to_owned(), options)]);
    let url = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        if let Ok(client) = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities.clone())
            .connect(&url)
            .await
        {
            return (driver, client);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not start a Chromium session");
}

/// Screenshots of `suite` go to `$TMPDIR/platform-{suite}/`.
pub struct Screenshots(PathBuf);

impl Screenshots {
    pub fn new(suite: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("platform-{suite}"));
        std::fs::create_dir_all(&dir).expect("screenshot directory");
        Self(dir)
    }

    pub async fn take(&self, client: &Client, name: &str) {
        let png = client.screenshot().await.expect("screenshot");
        std::fs::write(self.0.join(format!("{name}.png")), png).expect("write screenshot");
    }
}

pub async fn fill(client: &Client, css: &str, text: &str) {
    let field = client.find(Locator::Css(css)).await.expect(css);
    field.clear().await.expect("clear");
    field.send_keys(text).await.expect("type");
}

/// Clicks what leads to another page and waits until that page replaced
/// the current one.
pub async fn navigate(client: &Client, target: Locator<'_>) {
    let before = client.find(Locator::Css("html")).await.expect("page");
    client.find(target).await.expect("target").click().await.expect("click");
    wait_for_new_page(client, before).await;
}

/// Waits until the page `before` belongs to was replaced and its successor
/// has loaded: reading it any sooner may find a body still being parsed.
pub async fn wait_for_new_page(client: &Client, before: fantoccini::elements::Element) {
    for _ in 0..200 {
        if before.tag_name().await.is_err() && has_loaded(client).await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the action did not lead to a new page");
}

async fn has_loaded(client: &Client) -> bool {
    // While the next page is on its way the script may fail: not loaded yet.
    client.execute("return document.readyState", Vec::new()).await.is_ok_and(|state| state == "complete")
}

pub async fn body_text(client: &Client) -> String {
    client.find(Locator::Css("body")).await.expect("body").text().await.expect("text")
}
