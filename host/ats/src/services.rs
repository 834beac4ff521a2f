//! [`Services`] over Traffic Server: log lines through `TSDebug`/`TSNote`/.../`TSError`, statistics
//! as Traffic Server records (`TSStat*`, visible with `traffic_ctl metric`), records through
//! `TSMgmt*Get`, text logs as `TSTextLogObject`s, and the proxy's directories and identity.

use std::collections::{HashMap, HashSet};
use std::ffi::c_int;
use std::sync::RwLock;

use tswasm::abi_types::{Error, LogLevel, ProxyInfo, RecordType, StatKind, TextLogMode};
use tswasm::config_files::ConfigFiles;
use tswasm::services::Services;
use tswasm::text_log::{TextLogFile, TextLogs};
use tswasm::txn::{AbiResult, ConfigValue};
use tswasm::Counter;

use crate::ffi::*;
use crate::stats::RuntimeStats;
use crate::ts::{cstring, ok, text, ts_free};

/// Guests see only the statistics guests created. `TSStatFindName` would also hand out ids of
/// Traffic Server's own records, which index other statistics blocks (or past the end of the
/// plugins' one): incrementing those corrupts memory or aborts the process.
pub struct AtsServices {
    guest_stats: RwLock<GuestStats>,
    /// The runtime's own, `plugin.tswasm.*`.
    pub stats: RuntimeStats,
    text_logs: TextLogs<AtsTextLog>,
    config_files: ConfigFiles,
}

/// A `TSTextLogObject`, destroyed when dropped.
struct AtsTextLog(TSTextLogObject);

// SAFETY: Traffic Server's text log objects may be written from any thread (it buffers lines
// per object under its own lock); TextLogs destroys one only when no write holds it.
unsafe impl Send for AtsTextLog {}
unsafe impl Sync for AtsTextLog {}

impl TextLogFile for AtsTextLog {
    fn write(&self, text: &[u8]) {
        let len = c_int::try_from(text.len()).unwrap_or(c_int::MAX);
        // SAFETY: an open log object; the text passes as data (`%.*s`), never as the format.
        unsafe { TSTextLogObjectWrite(self.0, c"%.*s".as_ptr(), len, text.as_ptr()) };
    }
}

impl Drop for AtsTextLog {
    fn drop(&mut self) {
        // SAFETY: created by TSTextLogObjectCreate and destroyed once, here.
        unsafe { TSTextLogObjectDestroy(self.0) };
    }
}

#[derive(Default)]
struct GuestStats {
    by_name: HashMap<String, c_int>,
    ids: HashSet<c_int>,
}

impl AtsServices {
    /// Services with the runtime's statistics created (in a plugin's initialisation, where
    /// Traffic Server allows it).
    pub fn create() -> AtsServices {
        AtsServices {
            guest_stats: RwLock::default(),
            stats: RuntimeStats::create(),
            text_logs: TextLogs::default(),
            config_files: ConfigFiles::default(),
        }
    }

    fn checked_stat(&self, id: u32) -> AbiResult<c_int> {
        let id = c_int::try_from(id).map_err(|_| Error::NotFound)?;
        let stats = self.guest_stats.read().unwrap_or_else(|e| e.into_inner());
        stats.ids.contains(&id).then_some(id).ok_or(Error::NotFound)
    }
}

impl Services for AtsServices {
    fn log(&self, level: LogLevel, tag: &str, message: &str) {
        crate::log::line(level, tag, message);
    }

    fn log_enabled(&self, level: LogLevel, tag: &str) -> bool {
        level != LogLevel::Debug || crate::log::debug_enabled(tag)
    }

    fn count(&self, counter: Counter) {
        self.stats.count(counter);
    }

    fn stat_create(&self, name: &str, kind: StatKind) -> AbiResult<u32> {
        let mut stats = self.guest_stats.write().unwrap_or_else(|e| e.into_inner());
        if let Some(id) = stats.by_name.get(name) {
            return u32::try_from(*id).map_err(|_| Error::InvalidArgument);
        }
        let c_name = cstring(name);
        let mut existing: c_int = -1;
        // SAFETY: valid string and out pointer.
        if unsafe { TSStatFindName(c_name.as_ptr(), &mut existing) } == TS_SUCCESS {
            // A record of Traffic Server or another plugin: not ours to change.
            return Err(Error::InvalidArgument);
        }
        let sync = match kind {
            StatKind::Counter => TS_STAT_SYNC_SUM,
            StatKind::Gauge => TS_STAT_SYNC_SUM,
        };
        // SAFETY: a valid C string; the API copies it.
        let id = unsafe {
            TSStatCreate(
                c_name.as_ptr(),
                TS_RECORDDATATYPE_INT,
                TS_STAT_NON_PERSISTENT,
                sync,
            )
        };
        let public = u32::try_from(id).map_err(|_| Error::InvalidArgument)?;
        stats.by_name.insert(name.to_owned(), id);
        stats.ids.insert(id);
        Ok(public)
    }

    fn stat_find(&self, name: &str) -> AbiResult<u32> {
        let stats = self.guest_stats.read().unwrap_or_else(|e| e.into_inner());
        let id = stats.by_name.get(name).ok_or(Error::NotFound)?;
        u32::try_from(*id).map_err(|_| Error::NotFound)
    }

    fn stat_add(&self, id: u32, delta: i64) -> AbiResult<()> {
        let id = self.checked_stat(id)?;
        // SAFETY: `id` names an existing statistic.
        unsafe {
            match delta {
                d if d >= 0 => TSStatIntIncrement(id, d),
                d => TSStatIntDecrement(id, d.saturating_neg()),
            }
        }
        Ok(())
    }

    fn stat_set(&self, id: u32, value: i64) -> AbiResult<()> {
        let id = self.checked_stat(id)?;
        // SAFETY: as above.
        unsafe { TSStatIntSet(id, value) };
        Ok(())
    }

    fn stat_get(&self, id: u32) -> AbiResult<i64> {
        let id = self.checked_stat(id)?;
        // SAFETY: as above.
        Ok(unsafe { TSStatIntGet(id) })
    }

    fn config_file_add(&self, parent: &str, file: &str) -> AbiResult<()> {
        self.config_files.attach(parent, file, || {
            let (parent, file) = (cstring(parent), cstring(file));
            // SAFETY: two valid C strings, which Traffic Server copies.
            ok(
                unsafe { TSMgmtConfigFileAdd(parent.as_ptr(), file.as_ptr()) },
                Error::NotAvailable,
            )
        })
    }

    /// Traffic Server refuses a log it cannot open (a file it cannot write; with no-rename, a
    /// name another log object holds): `NotAvailable`.
    fn text_log_create(&self, name: &str, mode: TextLogMode) -> AbiResult<()> {
        self.text_logs.create(name, || {
            let name = cstring(name);
            let mut log: TSTextLogObject = std::ptr::null_mut();
            // SAFETY: a valid C string (copied by the API) and out pointer.
            let rc = unsafe { TSTextLogObjectCreate(name.as_ptr(), mode.raw() as c_int, &mut log) };
            ok(rc, Error::NotAvailable)?;
            match log.is_null() {
                true => Err(Error::NotAvailable),
                false => Ok(AtsTextLog(log)),
            }
        })
    }

    fn text_log_write(&self, name: &str, text: &[u8]) -> AbiResult<()> {
        self.text_logs.write(name, text)
    }

    fn text_log_destroy(&self, name: &str) -> AbiResult<()> {
        self.text_logs.destroy(name)
    }

    fn proxy_info(&self, key: ProxyInfo) -> Option<String> {
        // SAFETY: the API returns static strings (or null).
        unsafe {
            match key {
                ProxyInfo::ConfigDir => text(TSConfigDirGet()),
                ProxyInfo::InstallDir => text(TSInstallDirGet()),
                ProxyInfo::RuntimeDir => text(TSRuntimeDirGet()),
                ProxyInfo::PluginDir => text(TSPluginDirGet()),
                ProxyInfo::Version => text(TSTrafficServerVersionGet()),
                ProxyInfo::ProcessUuid => {
                    let uuid = TSProcessUuidGet();
                    (!uuid.is_null())
                        .then(|| text(TSUuidStringGet(uuid)))
                        .flatten()
                }
            }
        }
    }

    fn record(&self, kind: RecordType, name: &str) -> AbiResult<ConfigValue> {
        let name = cstring(name);
        let found = |rc| {
            if rc == TS_SUCCESS {
                Ok(())
            } else {
                Err(Error::NotFound)
            }
        };
        // SAFETY: valid name and out pointers; the string result is ours to free.
        unsafe {
            match kind {
                RecordType::Int => {
                    let mut v: TSMgmtInt = 0;
                    found(TSMgmtIntGet(name.as_ptr(), &mut v)).map(|()| ConfigValue::Int(v))
                }
                RecordType::Counter => {
                    let mut v: TSMgmtCounter = 0;
                    found(TSMgmtCounterGet(name.as_ptr(), &mut v)).map(|()| ConfigValue::Int(v))
                }
                RecordType::Float => {
                    let mut v: TSMgmtFloat = 0.0;
                    found(TSMgmtFloatGet(name.as_ptr(), &mut v))
                        .map(|()| ConfigValue::Float(f64::from(v)))
                }
                RecordType::String => {
                    let mut v: TSMgmtString = std::ptr::null_mut();
                    found(TSMgmtStringGet(name.as_ptr(), &mut v))?;
                    let value = text(v).unwrap_or_default();
                    ts_free(v);
                    Ok(ConfigValue::String(value.into_bytes()))
                }
            }
        }
    }
}
