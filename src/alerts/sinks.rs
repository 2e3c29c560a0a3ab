//! TEMPORARY stand-in until the sinks branch is merged.
#[derive(Debug, Clone)]
pub struct Message {
    pub subject: String,
    pub text: String,
    pub payload: serde_json::Value,
}
pub struct Sink;
impl Sink {
    pub fn id(&self) -> &str {
        ""
    }
    pub async fn send(&self, _m: &Message) -> Result<(), String> {
        Ok(())
    }
}
