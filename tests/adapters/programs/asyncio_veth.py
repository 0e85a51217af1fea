"""The asyncio API: AsyncIPRoute creates a veth pair and dumps the links."""

import asyncio

from pyroute2 import AsyncIPRoute

NEEDS = ("veth",)


async def run(prefix: str) -> list:
    async with AsyncIPRoute(netns=prefix + "a") as ipr:
        await ipr.link("add", ifname="v0", kind="veth", peer="v1")
        return [("a", msg) async for msg in await ipr.link("dump")]


def main(prefix: str) -> list:
    return asyncio.run(run(prefix))
