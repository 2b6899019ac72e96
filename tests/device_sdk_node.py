"""Run the real CleverTap Web SDK 2.5.2 validation code under Node, to check tests/device_sdk_model.py.

The SDK's validators (removeUnsupportedChars, isObjStructureValid, isChargedEventStructureValid,
isProfileValid and what they use) are module-private in clevertap.js, so their source is cut out of
the npm bundle by name and evaluated with a small driver that follows the SDK's push handlers
(_processEventArray2, _processProfileArray2, _processOUL, with addToLocalProfileMap). The driver's control flow is a copy; every
check and every change to the data is the SDK's own code.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["SDK_PATH", "node_available", "real_sdk_outcomes"]

SDK_PATH = Path(__file__).resolve().parents[1] / "node_modules" / "clevertap-web-sdk" / "clevertap.js"

# Declarations taken from clevertap.js, in an order that satisfies their references.
_NAMES = [
    "unsupportedKeyCharRegex", "unsupportedValueCharRegex", "CHARGED_ID", "CHARGEDID_COOKIE_NAME",
    "NOTIFICATION_VIEWED", "NOTIFICATION_CLICKED", "SYSTEM_EVENTS", "NESTED_OBJECT_ERRORS",
    "PROFILE_RESTRICTED_ROOT_KEYS", "isString", "isObject", "isDateObject", "isObjectEmpty",
    "isConvertibleToNumber", "isNumber", "removeUnsupportedChars", "sanitize", "convertToWZRKDate",
    "DATA_NOT_SENT_TEXT", "CLEVERTAP_ERROR_PREFIX", "EVENT_ERROR", "GENDER_ERROR", "EMPLOYED_ERROR",
    "MARRIED_ERROR", "EDUCATION_ERROR", "AGE_ERROR", "DOB_ERROR", "PHONE_FORMAT_ERROR",
    "isEventStructureFlat", "isChargedEventStructureValid", "createValidationResult", "isNullOrEmpty",
    "cleanNullEmptyValues", "isObjStructureValid", "isProfileValid", "addToLocalProfileMap",
]

_DRIVER = r"""
let _globalChargedId;
const StorageManager = { readFromLSorCookie() { return undefined; }, saveToLSorCookie() {}, _isLocalStorageSupported() { return true; } };
const $ct = { globalProfileMap: null };
const PR_COOKIE = 'WZRK_PR';
const {
  DEPTH_LIMIT_EXCEEDED, ARRAY_KEY_COUNT_LIMIT_EXCEEDED, OBJECT_KEY_COUNT_LIMIT_EXCEEDED,
  ARRAY_LENGTH_LIMIT_EXCEEDED, KV_PAIR_COUNT_LIMIT_EXCEEDED, NULL_VALUE_REMOVED, EMPTY_VALUE_REMOVED
} = NESTED_OBJECT_ERRORS;
let errors = [];
const logger = {
  reportError(code, message) { errors.push(String(code)); },
  error(message) { errors.push(String(message)); },
  debug() {},
};
const filterRestrictedKeys = (profileObj) => {  // _filterRestrictedKeys2, without the class
  const finalProfileObj = {};
  for (const key in profileObj) {
    if (profileObj.hasOwnProperty(key)) {
      const value = profileObj[key];
      if (PROFILE_RESTRICTED_ROOT_KEYS.includes(key) && value !== null && typeof value === 'object' && !(value instanceof Date)) {
        logger.reportError(513, key);
      } else {
        finalProfileObj[key] = value;
      }
    }
  }
  return finalProfileObj;
};
function eventPush(args) {  // _processEventArray2 for one event, then processEvent's sanitising
  const eventName = args[0];
  if (!isString(eventName)) { logger.error(EVENT_ERROR); return null; }
  let name = eventName;
  if (name.length > 1024) { name = name.substring(0, 1024); logger.reportError(510, 'trimmed'); }
  if (SYSTEM_EVENTS.includes(name)) { logger.reportError(513, 'restricted'); return null; }
  let data = { type: 'event', evtName: sanitize(name, unsupportedKeyCharRegex) };
  if (args.length > 1) {
    const eventObj = args[1];
    if (!isObject(eventObj)) { errors.push('data not an object: read as the next event name'); }
    else if (name === 'Charged') {
      if (!isChargedEventStructureValid(eventObj, logger)) { logger.reportError(511, 'Charged'); return null; }
      data.evtData = eventObj;
    } else {
      const result = isObjStructureValid(eventObj, logger, 3);
      data.evtData = result.processedObj ? result.processedObj : eventObj;
    }
  }
  return removeUnsupportedChars(data, logger);
}
function profilePush(args) {  // _processProfileArray2 with a Site
  const outerObj = args[0];
  if (args.length !== 1 || outerObj == null || outerObj.Site == null) { errors.push('profile call not {Site}'); return null; }
  let profileObj = outerObj.Site;
  if (isObjectEmpty(profileObj)) { logger.error('Empty profile object provided'); return null; }
  const result = isObjStructureValid(profileObj, logger, 3);
  if (result.processedObj) profileObj = result.processedObj;
  profileObj = filterRestrictedKeys(profileObj);
  if (!isProfileValid(profileObj, { logger })) { errors.push('profile invalid: not sent'); return null; }
  if (profileObj == null || isObjectEmpty(profileObj)) return null;
  addToLocalProfileMap(profileObj, true);
  return removeUnsupportedChars({ type: 'profile', profile: profileObj }, logger);
}
function onUserLoginPush(args) {  // _processLoginArray2 and _processOUL
  const profileObj = args[args.length - 1];
  const ok = args.length === 1 && profileObj != null && isObject(profileObj) && profileObj.Site != null && Object.keys(profileObj.Site).length > 0;
  if (!ok) { logger.error('Profile object is in incorrect format'); return null; }
  try {
    const site = profileObj.Site;
    if (isObjectEmpty(site) || !isProfileValid(site, { logger })) { errors.push('profile invalid: not sent'); return null; }
    addToLocalProfileMap(site, true);
    return removeUnsupportedChars({ type: 'profile', profile: site }, logger);
  } catch (e) {
    errors.push('swallowed: ' + e.message);
    return null;
  }
}
const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const out = input.map((call) => {
  errors = [];
  _globalChargedId = undefined;  // no Charged ID de-duplication across calls
  $ct.globalProfileMap = null;
  let sent = null;
  try {
    const [queue, ...args] = call;
    if (queue === 'event') sent = eventPush(args);
    else if (queue === 'profile') sent = profilePush(args);
    else if (queue === 'onUserLogin') sent = onUserLoginPush(args);
    else errors.push('queue not modelled');
  } catch (e) {
    errors.push('TypeError: ' + e.message);
    sent = null;
  }
  return { sent: sent === undefined ? null : sent, errors };
});
process.stdout.write(JSON.stringify(out));
"""


def node_available() -> bool:
    """Node and the npm SDK are both there."""
    return shutil.which("node") is not None and SDK_PATH.is_file()


def _declaration(source: str, name: str) -> str:
    # A declaration runs from its line to the next statement at the bundle's top indentation.
    start = re.search(rf"^  (?:const|let) {re.escape(name)} = ", source, re.MULTILINE)
    if start is None:
        raise LookupError(f"{name} not found in {SDK_PATH}")
    end = re.compile(r"^  (?![ }/*\]])\S", re.MULTILINE).search(source, source.index("\n", start.start()))
    if end is None:
        raise LookupError(f"end of {name} not found")
    return source[start.start():end.start()]


def _script() -> str:
    source = SDK_PATH.read_text(encoding="utf-8")
    return "".join(_declaration(source, name) for name in _NAMES) + _DRIVER


def real_sdk_outcomes(calls: list[list[Any]]) -> list[dict[str, Any]]:
    """``{"sent": data or None, "errors": [...]}`` for each call, from the SDK's own code under Node."""
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "sdk_checks.cjs"
        script.write_text(_script(), encoding="utf-8")
        completed = subprocess.run(
            ["node", str(script)], input=json.dumps(calls), capture_output=True, text=True, timeout=120
        )
    if completed.returncode != 0:
        raise RuntimeError(f"node failed: {completed.stderr[-2000:]}")
    result: list[dict[str, Any]] = json.loads(completed.stdout)
    return result
