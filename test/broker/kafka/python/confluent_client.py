# confluent-kafka-python (Debian's, on librdkafka 2.0.2) against Sluice's Kafka listener. Prints one JSON
# object with what a user would check; the vitest file asserts on it.
import json
import sys
import time

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic

bootstrap = sys.argv[1]
out = {}

admin = AdminClient({"bootstrap.servers": bootstrap})
for topic, future in admin.create_topics([NewTopic("py-orders", num_partitions=2, replication_factor=1)]).items():
    out["created"] = future.result() is None
resource = ConfigResource("topic", "py-orders")
for res, future in admin.describe_configs([resource]).items():
    out["configs"] = sorted(entry.name for entry in future.result().values())

producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "linger.ms": 5})
reports = []
for i in range(20):
    producer.produce(
        "py-orders",
        key=f"key-{i % 4}",
        value=f"value-{i}",
        headers=[("n", str(i).encode())],
        on_delivery=lambda err, msg: reports.append(
            {"error": None if err is None else str(err), "partition": msg.partition(), "offset": msg.offset()}
        ),
    )
producer.flush(15)
out["reports"] = reports

consumer = Consumer(
    {
        "bootstrap.servers": bootstrap,
        "group.id": "py-group",
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
    }
)
consumer.subscribe(["py-orders"])
consumed = []
deadline = time.time() + 30
while len(consumed) < 20 and time.time() < deadline:
    msg = consumer.poll(0.5)
    if msg is None:
        continue
    if msg.error():
        out.setdefault("consumer_errors", []).append(str(msg.error()))
        continue
    consumed.append(
        {
            "key": msg.key().decode(),
            "value": msg.value().decode(),
            "headers": [[k, v.decode()] for k, v in (msg.headers() or [])],
            "partition": msg.partition(),
            "offset": msg.offset(),
        }
    )
    consumer.commit(message=msg, asynchronous=False)
out["consumed"] = consumed
committed = consumer.committed([TopicPartition("py-orders", 0), TopicPartition("py-orders", 1)], timeout=10)
out["committed"] = {str(tp.partition): tp.offset for tp in committed}
consumer.close()

out["groups"] = sorted(g.id for g in admin.list_groups(timeout=10))
for topic, future in admin.delete_topics(["py-orders"]).items():
    out["deleted"] = future.result() is None
print(json.dumps(out))
