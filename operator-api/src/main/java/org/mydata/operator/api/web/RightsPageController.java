package org.mydata.operator.api.web;

import org.mydata.operator.api.config.OperatorProperties;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;

/**
 * The person's rights and whom to contact: the controller, its data protection officer, and the supervisory
 * authority they may complain to, as the operator is configured ({@code operator.rights.*}).
 */
@Controller
public class RightsPageController {
    private final OperatorProperties.Rights rights;

    public RightsPageController(OperatorProperties properties) {
        this.rights = properties.rights();
    }

    @GetMapping("/app/rights")
    public String rights(Model model) {
        model.addAttribute("rights", rights);
        return "app/rights";
    }
}
