//! `ts.remap`: the parts of the matched remap rule's from and to URLs.

use mlua::{Lua, Result, Table};
use tswasm_guest_sdk::{RemapUrl, TxnHandle, UrlPart};

pub fn install(lua: &Lua, ts: &Table) -> Result<()> {
    let remap = lua.create_table()?;
    for (which, side) in [(RemapUrl::From, "from"), (RemapUrl::To, "to")] {
        let get = move |part: UrlPart| {
            lua.create_function(move |_, ()| {
                Ok(TxnHandle::current().and_then(|t| t.remap_url(which, part).ok()))
            })
        };
        remap.set(format!("get_{side}_url_host"), get(UrlPart::Host)?)?;
        remap.set(format!("get_{side}_url_scheme"), get(UrlPart::Scheme)?)?;
        remap.set(format!("get_{side}_url"), get(UrlPart::Url)?)?;
        remap.set(
            format!("get_{side}_url_port"),
            lua.create_function(move |_, ()| {
                Ok(TxnHandle::current()
                    .and_then(|t| t.remap_url(which, UrlPart::Port).ok())
                    .and_then(|p| p.parse::<u16>().ok()))
            })?,
        )?;
        // tslua's "uri" has the leading slash.
        remap.set(
            format!("get_{side}_uri"),
            lua.create_function(move |_, ()| {
                Ok(TxnHandle::current()
                    .and_then(|t| t.remap_url(which, UrlPart::Path).ok())
                    .map(|p| format!("/{p}")))
            })?,
        )?;
    }
    ts.set("remap", remap)
}
