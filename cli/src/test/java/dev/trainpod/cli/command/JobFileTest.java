package dev.trainpod.cli.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.trainpod.cli.CliException;
import dev.trainpod.cli.ExitCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobFileTest {

    @TempDir
    Path dir;

    @Test
    void yamlAndJsonFilesGiveTheSameBody() throws IOException {
        Path yaml = Files.writeString(dir.resolve("job.yaml"), """
                baseModel: Qwen/Qwen2.5-0.5B
                method: SFT
                gpu:
                  types: [NVIDIA RTX A4000]
                limits: {maxRuntimeMinutes: 30, maxCostUsd: 5.5}
                """);
        Path json = Files.writeString(dir.resolve("job.json"), """
                {"baseModel": "Qwen/Qwen2.5-0.5B", "method": "SFT", "gpu": {"types": ["NVIDIA RTX A4000"]},
                 "limits": {"maxRuntimeMinutes": 30, "maxCostUsd": 5.5}}""");

        ObjectNode fromYaml = JobFile.read(yaml);

        assertThat(fromYaml.toString()).isEqualTo(JobFile.read(json).toString());
        assertThat(fromYaml.path("limits").path("maxRuntimeMinutes").isInt()).isTrue();
    }

    @Test
    void aBrokenFileIsAUsageErrorNamingTheLine() throws IOException {
        Path broken = Files.writeString(dir.resolve("job.yaml"), "method: SFT\ngpu: [unclosed\n");

        assertThatThrownBy(() -> JobFile.read(broken)).isInstanceOf(CliException.class)
                .hasMessageContaining("is not valid YAML").hasMessageContaining("line")
                .satisfies(e -> assertThat(((CliException) e).exitCode()).isEqualTo(ExitCode.USAGE));
    }

    @Test
    void aListIsNotADeployment() throws IOException {
        Path list = Files.writeString(dir.resolve("job.yml"), "- a\n- b\n");

        assertThatThrownBy(() -> JobFile.read(list)).hasMessageContaining("must hold one deployment");
    }

    @Test
    void hyperparameterValuesKeepTheirTypes() {
        assertThat(JobFile.value("2").isIntegralNumber()).isTrue();
        assertThat(JobFile.value("2e-4").isNumber()).isTrue();
        assertThat(JobFile.value("0.5").decimalValue()).isEqualByComparingTo("0.5");
        assertThat(JobFile.value("true").isBoolean()).isTrue();
        assertThat(JobFile.value("lora").asText()).isEqualTo("lora");
        assertThat(JobFile.value("99999999999999999999999").isTextual()).isTrue();
    }
}
