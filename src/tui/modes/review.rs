//! Review mode (`inkmark review`): `]` / `[` walk the open disagreements instead of the
//! entities, and the choice keys settle the one under the cursor. Everything else (the
//! editing keys that fix a span by hand) goes on to the reader.

use super::{Handled, Mode};
use crate::tui::app::{body_height, App, Msg};
use crate::tui::review;

pub struct ReviewMode;

impl Mode for ReviewMode {
    fn update(&self, app: &mut App, msg: &Msg) -> Handled {
        let reviewing = app.review.is_some();
        let message = match msg {
            Msg::NextEntity | Msg::PrevEntity if reviewing => {
                review::walk(app, *msg == Msg::NextEntity, body_height(app.size.1))
            }
            Msg::Review(key) => review::choose(app, *key),
            _ => return Handled::Ignored,
        };
        app.message = Some(message);
        Handled::Consumed
    }
}
