package dev.trainpod.cli.command;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class TextTest {

    private static String money(String amount) {
        return Text.money(JsonNodeFactory.instance.numberNode(new BigDecimal(amount)));
    }

    @Test
    void dollarsKeepCentsAndSmallAmountsKeepTheirFirstDigits() {
        assertThat(money("12.345")).isEqualTo("$12.35");
        assertThat(money("0.25")).isEqualTo("$0.25");
        assertThat(money("0.000278")).isEqualTo("$0.0003");
        assertThat(money("0")).isEqualTo("$0.00");
        assertThat(Text.money(NullNode.getInstance())).isEqualTo("-");
    }

    @Test
    void tableColumnsLineUp() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        Text.table(new PrintStream(out, true, StandardCharsets.UTF_8), List.of("ID", "STATUS"),
                List.of(List.of("a-long-id", "RUNNING"), List.of("b", "FAILED")));

        assertThat(out.toString(StandardCharsets.UTF_8).lines())
                .containsExactly("ID         STATUS", "a-long-id  RUNNING", "b          FAILED");
    }
}
