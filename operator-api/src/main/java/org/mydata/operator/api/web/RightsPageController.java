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
    private final CitizenPages pages;

    public RightsPageController(OperatorProperties properties, CitizenPages pages) {
        this.rights = properties.rights();
        this.pages = pages;
    }

    @GetMapping("/app/rights")
    public String rights(Model model) {
        model.addAttribute("rights", shown(rights));
        return "app/rights";
    }

    /**
     * The contacts as the reader's language words them: a name, address or phone the bundle translates
     * ({@code contact.<slug>}, as the demo's defaults are) in that language, anything else as configured.
     */
    private OperatorProperties.Rights shown(OperatorProperties.Rights configured) {
        OperatorProperties.Controller c = configured.controller();
        OperatorProperties.ProtectionOfficer o = configured.dataProtectionOfficer();
        OperatorProperties.SupervisoryAuthority a = configured.supervisoryAuthority();
        return new OperatorProperties.Rights(
                new OperatorProperties.Controller(pages.contactText(c.name()), pages.contactText(c.postalAddress()),
                        c.email(), pages.contactText(c.phone()), c.website()),
                new OperatorProperties.ProtectionOfficer(pages.contactText(o.name()),
                        pages.contactText(o.postalAddress()), o.email(), pages.contactText(o.phone()), o.website()),
                new OperatorProperties.SupervisoryAuthority(pages.contactText(a.name()),
                        pages.contactText(a.postalAddress()), a.email(), pages.contactText(a.phone()), a.website()));
    }
}
