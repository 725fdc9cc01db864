# Two librdkafka consumers (confluent-kafka-python) in one group, consuming until stdin closes. Prints one
# JSON line per event for the vitest file (groups-restart.test.ts):
#   {"assigned": <member>, "partitions": [...]}   each time a member is given partitions (a rebalance)
#   {"value": "..."}                               each record consumed (committed right after)
#   {"error": "..."}                               a consumer error
import json
import sys
import threading

from confluent_kafka import Consumer

bootstrap, topic, group = sys.argv[1], sys.argv[2], sys.argv[3]
lock = threading.Lock()


def out(obj):
    with lock:
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()


stop = threading.Event()


def member(n):
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": group,
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
            "reconnect.backoff.ms": 50,
            "reconnect.backoff.max.ms": 500,
        }
    )

    def on_assign(_consumer, partitions):
        out({"assigned": n, "partitions": sorted(p.partition for p in partitions)})

    consumer.subscribe([topic], on_assign=on_assign)
    while not stop.is_set():
        msg = consumer.poll(0.2)
        if msg is None:
            continue
        if msg.error():
            out({"error": str(msg.error())})
            continue
        out({"value": msg.value().decode()})
        try:
            consumer.commit(message=msg, asynchronous=False)
        except Exception as err:  # a commit refused while the broker is away: the record may come again
            out({"error": f"commit: {err}"})
    consumer.close()


threads = [threading.Thread(target=member, args=(n,)) for n in range(2)]
for t in threads:
    t.start()
sys.stdin.read()
stop.set()
for t in threads:
    t.join()
