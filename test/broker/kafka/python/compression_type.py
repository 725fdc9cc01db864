# confluent-kafka-python (librdkafka 2.0.2) and the topic config compression.type: "producer" is accepted and
# described; a codec (Kafka's broker-side recompression) is refused, in CreateTopics and AlterConfigs, with the
# broker's message. Prints one JSON object; the vitest file asserts on it.
import json
import sys

from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic

bootstrap = sys.argv[1]
out = {}
admin = AdminClient({"bootstrap.servers": bootstrap})


def create(topic, codec):
    new = NewTopic(topic, num_partitions=1, replication_factor=1, config={"compression.type": codec})
    for _, future in admin.create_topics([new]).items():
        try:
            future.result()
            return None
        except Exception as error:  # the KafkaException carries the broker's error code and message
            return str(error)


out["producer"] = create("ct-producer", "producer")
out["gzip"] = create("ct-gzip", "gzip")
for _, future in admin.describe_configs([ConfigResource("topic", "ct-producer")]).items():
    out["described"] = future.result()["compression.type"].value
altered = ConfigResource("topic", "ct-producer", set_config={"compression.type": "zstd"})
for _, future in admin.alter_configs([altered]).items():
    try:
        future.result()
        out["altered"] = None
    except Exception as error:
        out["altered"] = str(error)
print(json.dumps(out))
