#!/usr/bin/env python3
"""A real SMTP server on loopback for tests/alert_sinks.rs and tests/briefing_delivery.rs
(needs aiosmtpd).

Binds 127.0.0.1 on a port the kernel picks and prints it alone on the first stdout line, so
the test never races another process for a port. Then prints one JSON line per message
received: the envelope (mail_from, rcpt_tos) and the message decoded with the `email` package
(subject and body as plain text, charset and transfer encoding undone, plus the header fields
the test checks; a multipart message's leaves as `parts`), so the Rust side compares plain strings. A recipient "ditolak@..." is refused
with 550, as a server refuses a mailbox that does not exist. Runs until killed.

aiosmtpd's Controller is not used: it checks readiness by connecting to the port it was given,
which fails for port 0; the SMTP protocol class on asyncio's own server is all it wraps.
"""

import asyncio
import json
import sys
from email import message_from_bytes, policy

from aiosmtpd.smtp import SMTP


class Recorder:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        # A mailbox that does not exist, for the test of a permanent refusal.
        if address.startswith("ditolak@"):
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "subject": str(message["subject"]),
            "from": str(message["from"]),
            "to": str(message["to"]),
            "content_type": message.get_content_type(),
            "charset": message.get_content_charset(),
            "body": None if message.is_multipart() else message.get_content(),
            # Every leaf of a multipart message, in order, each decoded as above.
            "parts": [
                {
                    "content_type": part.get_content_type(),
                    "filename": part.get_filename(),
                    "charset": part.get_content_charset(),
                    "content": part.get_content()
                    if part.get_content_maintype() == "text"
                    else part.get_content().decode("utf-8", "replace"),
                }
                for part in message.walk()
                if not part.is_multipart()
            ],
        }
        print(json.dumps(record, ensure_ascii=False), flush=True)
        return "250 OK"


async def main():
    loop = asyncio.get_running_loop()
    handler = Recorder()
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="pantau-test"), host="127.0.0.1", port=0
    )
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
