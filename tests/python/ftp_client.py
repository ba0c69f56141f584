"""An FTP session with Python's ftplib, driven by a JSON plan; prints what happened as JSON.

    python ftp_client.py '{"port": 2121, "user": "alice", "password": "...", "steps": [...]}'

Plan keys: host (default 127.0.0.1), port, user, password, tls (explicit FTPS with AUTH TLS,
certificate not verified: the tests use a self-signed one), steps. Each step is an object with
"op" and its arguments:

    pwd | cwd path | nlst [path] | list [path] | size path
    retr path out [rest]           download into `out`, from offset `rest` (REST) when given
    retr_abort path bytes          read about `bytes` bytes, then close the data connection
    stor path | appe path | mkd path | dele path | rmd path | rename from to | raw command

The output is {"login": {...}, "steps": [{...}, ...]}, every entry with "ok" and "reply" (the
server's last reply, or the error). A login that fails ends the session there.
"""

import ftplib
import hashlib
import io
import json
import ssl
import sys


def error_reply(e):
    return str(e).strip()


def run_step(ftp, step):
    op = step["op"]
    out = {"op": op}
    if op == "pwd":
        out["path"] = ftp.pwd()
    elif op == "cwd":
        out["reply"] = ftp.cwd(step["path"])
    elif op == "nlst":
        out["names"] = ftp.nlst(*([step["path"]] if step.get("path") else []))
    elif op == "list":
        lines = []
        ftp.retrlines("LIST" + (" " + step["path"] if step.get("path") else ""), lines.append)
        out["lines"] = lines
    elif op == "size":
        ftp.voidcmd("TYPE I")
        out["size"] = ftp.size(step["path"])
    elif op == "retr":
        digest = hashlib.sha256()
        count = 0
        with open(step["out"], "wb") as f:

            def write(block):
                nonlocal count
                count += len(block)
                digest.update(block)
                f.write(block)

            out["reply"] = ftp.retrbinary("RETR " + step["path"], write, rest=step.get("rest"))
        out["bytes"] = count
        out["sha256"] = digest.hexdigest()
    elif op == "retr_abort":
        ftp.voidcmd("TYPE I")
        conn = ftp.transfercmd("RETR " + step["path"])
        want, got = step["bytes"], 0
        conn.settimeout(10)
        while got < want:
            block = conn.recv(min(8192, want - got))
            if not block:
                break
            got += len(block)
        # Close the data connection mid-transfer: the server sees a broken pipe or a reset.
        conn.close()
        out["bytes"] = got
        try:
            out["reply"] = ftp.getresp()
        except ftplib.all_errors as e:
            out["reply"] = error_reply(e)
    elif op in ("stor", "appe"):
        command = op.upper() + " " + step["path"]
        out["reply"] = ftp.storbinary(command, io.BytesIO(b"not welcome here\n"))
    elif op == "mkd":
        out["reply"] = ftp.mkd(step["path"])
    elif op == "dele":
        out["reply"] = ftp.delete(step["path"])
    elif op == "rmd":
        out["reply"] = ftp.rmd(step["path"])
    elif op == "rename":
        out["reply"] = ftp.rename(step["from"], step["to"])
    elif op == "raw":
        out["reply"] = ftp.sendcmd(step["command"])
    else:
        raise ValueError("unknown op " + op)
    return out


def main():
    plan = json.loads(sys.argv[1])
    if plan.get("tls"):
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        ftp = ftplib.FTP_TLS(context=context, timeout=30)
    else:
        ftp = ftplib.FTP(timeout=30)
    result = {"welcome": ftp.connect(plan.get("host", "127.0.0.1"), plan["port"])}
    try:
        reply = ftp.login(plan["user"], plan.get("password", ""))
        if plan.get("tls"):
            ftp.prot_p()
        result["login"] = {"ok": True, "reply": reply}
    except ftplib.all_errors as e:
        result["login"] = {"ok": False, "reply": error_reply(e)}
        result["steps"] = []
        print(json.dumps(result))
        return
    steps = []
    for step in plan.get("steps", []):
        try:
            out = run_step(ftp, step)
            out["ok"] = True
        except ftplib.all_errors as e:
            out = {"op": step["op"], "ok": False, "reply": error_reply(e)}
        steps.append(out)
    result["steps"] = steps
    try:
        ftp.quit()
    except ftplib.all_errors:
        ftp.close()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
