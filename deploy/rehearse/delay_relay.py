#!/usr/bin/env python3
"""A TCP relay that delays each direction of every connection by a one-way
delay with jitter, for rehearse.sh on kernels without tc netem. Runs inside a
region's network namespace: nftables redirects the region's connections to
the services here, and the relay forwards them to their original
destination (SO_ORIGINAL_DST) from a socket marked so it is not redirected
again. Byte order is kept: a chunk is never released before an earlier one.
A relay of a byte stream cannot drop packets; --loss models what a lost
segment costs a TCP stream instead: that share of chunks waits one
retransmission timeout (at least 200 ms, as Linux's minimum RTO, or two
round trips) longer, holding back what follows it.

  delay_relay.py --port 15001 --delay-ms 40 [--jitter-ms 4] [--loss 0.1] [--mark 1]
"""
import argparse
import asyncio
import random
import socket
import struct
import time

SO_ORIGINAL_DST = 80


def original_destination(sock):
    raw = sock.getsockopt(socket.SOL_IP, SO_ORIGINAL_DST, 16)
    port, packed = struct.unpack_from("!2xH4s", raw)
    return socket.inet_ntoa(packed), port


class Delay:
    def __init__(self, delay_ms, jitter_ms, loss_percent):
        self.delay = delay_ms / 1000
        self.jitter = jitter_ms / 1000
        self.loss = loss_percent / 100
        self.retransmission = max(0.2, 4 * self.delay)  # RTO: at least 200 ms, else about two round trips

    def sample(self):
        d = max(0.0, random.gauss(self.delay, self.jitter) if self.jitter else self.delay)
        if self.loss and random.random() < self.loss:
            d += self.retransmission
        return d


async def pump(reader, writer, delay):
    """Copies reader to writer, each chunk released `delay` after it arrived."""
    queue = asyncio.Queue()

    async def release():
        while True:
            due, chunk = await queue.get()
            wait = due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            if chunk is None:
                if writer.can_write_eof():
                    writer.write_eof()
                return
            writer.write(chunk)
            await writer.drain()

    releaser = asyncio.create_task(release())
    last_due = 0.0
    try:
        while True:
            chunk = await reader.read(65536)
            due = max(last_due, time.monotonic() + delay.sample())
            last_due = due
            await queue.put((due, chunk or None))
            if not chunk:
                break
        await releaser
    except (ConnectionError, OSError):
        releaser.cancel()
    finally:
        writer.close()


async def serve(args):
    delay = Delay(args.delay_ms, args.jitter_ms, args.loss)

    async def on_client(client_reader, client_writer):
        sock = client_writer.get_extra_info("socket")
        try:
            host, port = original_destination(sock)
            upstream = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            upstream.setsockopt(socket.SOL_SOCKET, socket.SO_MARK, args.mark)
            upstream.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            upstream.setblocking(False)
            await asyncio.sleep(delay.sample())  # the SYN's way there
            await asyncio.get_running_loop().sock_connect(upstream, (host, port))
            server_reader, server_writer = await asyncio.open_connection(sock=upstream)
        except OSError:
            client_writer.close()
            return
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        await asyncio.gather(pump(client_reader, server_writer, delay), pump(server_reader, client_writer, delay))

    server = await asyncio.start_server(on_client, "127.0.0.1", args.port, backlog=4096)
    async with server:
        await server.serve_forever()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--delay-ms", type=float, required=True)
    parser.add_argument("--jitter-ms", type=float, default=0)
    parser.add_argument("--loss", type=float, default=0, help="percent of chunks delayed as a lost segment would be")
    parser.add_argument("--mark", type=int, default=1)
    args = parser.parse_args()
    try:
        asyncio.run(serve(args))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
