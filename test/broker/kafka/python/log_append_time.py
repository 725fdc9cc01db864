# confluent-kafka-python (librdkafka 2.0.2) and a topic with message.timestamp.type=LogAppendTime: created with
# that config, produced to with an old create time, read back. Prints one JSON object with the timestamps
# (type and value) the delivery reports and the consumer give; the vitest file asserts on it.
import json
import sys
import time

from confluent_kafka import Consumer, Producer
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic

bootstrap = sys.argv[1]
topic = sys.argv[2]
out = {}

admin = AdminClient({"bootstrap.servers": bootstrap})
new = NewTopic(topic, num_partitions=1, replication_factor=1, config={"message.timestamp.type": "LogAppendTime"})
for _, future in admin.create_topics([new]).items():
    future.result()
for _, future in admin.describe_configs([ConfigResource("topic", topic)]).items():
    out["described"] = future.result()["message.timestamp.type"].value

out["before"] = int(time.time() * 1000)
producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5})
reports = []
for i in range(3):
    producer.produce(
        topic,
        value=f"v{i}",
        timestamp=1000 + i,
        on_delivery=lambda err, msg: reports.append(
            {"error": None if err is None else str(err), "timestamp": list(msg.timestamp())}
        ),
    )
producer.flush(15)
out["after"] = int(time.time() * 1000)
out["reports"] = reports

consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"{topic}-readers", "auto.offset.reset": "earliest"})
consumer.subscribe([topic])
consumed = []
deadline = time.time() + 30
while len(consumed) < 3 and time.time() < deadline:
    msg = consumer.poll(0.5)
    if msg is None or msg.error():
        continue
    consumed.append({"value": msg.value().decode(), "timestamp": list(msg.timestamp())})
consumer.close()
out["consumed"] = consumed
print(json.dumps(out))
